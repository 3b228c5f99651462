import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database-unavailable';
import { DomainError, type ErrorCode } from './domain-error';
import { errorBody, type ErrorBody } from './error-body';

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  unsupported_media_type: 415,
  provider_invalid_request: 400,
  provider_error: 502,
  provider_unavailable: 503,
};

const PARSER_MESSAGES: Record<string, string> = {
  'entity.too.large': 'Request body is too large',
  'entity.parse.failed': 'Request body is not valid JSON',
  'encoding.unsupported': 'Request body encoding is not supported',
};

/** What `respond` writes to: an Express response, or the lean webhook route's answer. */
export interface JsonResponse {
  readonly headersSent: boolean;
  setHeader(name: string, value: string): unknown;
  status(code: number): JsonResponse | { json(body: unknown): unknown };
  json(body: unknown): unknown;
}

/** Body-parser errors carry a status and a type instead of being HttpExceptions. */
interface ParserError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  message?: string;
}

/**
 * Turns every error into the §9 shape. Unexpected errors get an error id that is
 * logged with the stack; the response carries the id and nothing else.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    this.respond(host.switchToHttp().getResponse<Response>(), exception);
  }

  /** Answers `exception` in the §9 shape (for a route served outside Nest's router too). */
  respond(response: JsonResponse, exception: unknown): void {
    const body = this.toBody(exception);
    if (response.headersSent) return;
    if (body.statusCode === 503 && isDatabaseUnavailable(exception)) {
      response.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    }
    response.status(body.statusCode).json(body);
  }

  toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) {
      return errorBody(STATUS_BY_CODE[exception.code], exception.message, exception.details);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Nest wraps body-parser errors; say what is wrong in our words.
      const parserMessage =
        PARSER_MESSAGES[(exception.cause as ParserError | undefined)?.type ?? ''];
      if (parserMessage) return errorBody(status, parserMessage);
      const response = exception.getResponse();
      if (
        typeof response === 'object' &&
        response !== null &&
        'statusCode' in response &&
        'error' in response &&
        'message' in response &&
        typeof (response as ErrorBody).message === 'string'
      ) {
        return response as ErrorBody;
      }
      const message =
        typeof response === 'string' ? response : (this.messageOf(response) ?? exception.message);
      return errorBody(status, message);
    }
    const parser = exception as ParserError;
    const parserStatus = parser?.status ?? parser?.statusCode;
    if (
      parser &&
      parser.expose &&
      typeof parserStatus === 'number' &&
      parserStatus >= 400 &&
      parserStatus < 500
    ) {
      return errorBody(
        parserStatus,
        PARSER_MESSAGES[parser.type ?? ''] ?? parser.message ?? 'Bad request',
      );
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({
        msg: 'database unavailable',
        error: exception instanceof Error ? exception.message : String(exception),
      });
      return errorBody(503, 'The database is unavailable; retry later');
    }
    const errorId = randomUUID();
    const err = exception instanceof Error ? exception : new Error(String(exception));
    this.logger.error(
      { msg: 'unexpected error', error_id: errorId, error: err.message },
      err.stack,
    );
    return errorBody(500, `Internal server error (error id ${errorId})`, { error_id: errorId });
  }

  private messageOf(response: unknown): string | undefined {
    if (typeof response === 'object' && response !== null && 'message' in response) {
      const message = response.message;
      if (typeof message === 'string') return message;
      if (Array.isArray(message)) return message.join('; ');
    }
    return undefined;
  }
}
