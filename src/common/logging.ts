import { type DynamicModule, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger as PinoNestLogger, LoggerModule, PinoLogger, type Params } from 'nestjs-pino';
import { pino, type DestinationStream, type Logger as RootLogger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import type { LogLevel } from '../config/app-config';
import { redact, redactText, SECRET_KEY } from './redact';

export type { HttpLogger, RootLogger };

/** Objects pino serialises itself (pino-http's request and response, errors). */
const SERIALISED_KEYS = new Set(['req', 'res', 'err']);

/** Header values that are secrets: replaced before a request is logged. */
const SECRET_HEADERS = [
  'authorization',
  'cookie',
  'stripe-signature',
  'sandbox-signature',
  'x-api-key',
].map((name) => `req.headers["${name}"]`);

/**
 * The service's pino logger: JSON lines (`time`, `level`, `msg`, `context`,
 * `request_id`, …) on stdout, or on `destination` (the CLI logs to stderr).
 * Secrets are redacted from headers, from values under secret-looking keys,
 * and from every string (messages, error messages and stacks): see redact.ts.
 */
export function createRootLogger(level: LogLevel, destination?: DestinationStream): RootLogger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => {
          const out: Record<string, unknown> = {};
          for (const [key, value] of Object.entries(fields)) {
            if (SERIALISED_KEYS.has(key)) out[key] = value;
            else out[key] = SECRET_KEY.test(key) ? '[redacted]' : redact(value);
          }
          return out;
        },
      },
      serializers: {
        err: (error: Error) => {
          const serialised = pino.stdSerializers.err(error);
          return {
            ...serialised,
            message: redactText(serialised.message),
            stack: redactText(serialised.stack),
          };
        },
      },
      redact: { paths: SECRET_HEADERS, censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((arg: unknown) =>
            typeof arg === 'string' ? redactText(arg) : arg,
          ) as Parameters<typeof method>;
          method.apply(this, cleaned);
        },
      },
    },
    destination,
  );
}

/** What pino's standard serializer made of a request. */
interface SerialisedRequest {
  method?: string;
  url?: string;
  headers?: Record<string, unknown>;
  remoteAddress?: string;
}

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * pino-http for every request: an id (the caller's X-Request-Id when it looks
 * sane, else a UUID) echoed in the response and bound to every log line made
 * while serving it (`request_id`), and one `request completed` line with the
 * status and `duration_ms`.
 */
export function createHttpLogger(logger: RootLogger): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: requestIdOf,
    customAttributeKeys: { reqId: 'request_id', responseTime: 'duration_ms' },
    quietReqLogger: true,
    customLogLevel: (_request, response, error) =>
      error || response.statusCode >= 500 ? 'error' : 'info',
    // Compact: no query object (the URL has it, redacted) and no response headers.
    serializers: {
      req: (request: SerialisedRequest) => ({
        method: request.method,
        url: redactText(request.url ?? ''),
        headers: request.headers,
        remote_address: request.remoteAddress,
      }),
      res: (response: { statusCode?: number }) => ({ status_code: response.statusCode }),
    },
  });
}

/** A request's id: the caller's X-Request-Id when it is a sane one, else a new UUID; answered in X-Request-Id. */
export function requestIdOf(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers['x-request-id'];
  const id =
    typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Nest's logger on top of nestjs-pino. Our code logs like Nest's ConsoleLogger,
 * `logger.error({ msg, …fields }, error.stack)`; nestjs-pino would take that
 * stack for the message, so it goes into a `stack` field instead.
 */
export class NestLogger extends PinoNestLogger {
  override error(message: unknown, ...params: unknown[]): void {
    const [first, ...rest] = params;
    const isStack = first === undefined || (typeof first === 'string' && /\n\s+at /.test(first));
    if (
      typeof message === 'object' &&
      message !== null &&
      !(message instanceof Error) &&
      isStack &&
      rest.length > 0
    ) {
      super.error(first ? { ...message, stack: first } : message, ...rest);
      return;
    }
    super.error(message, ...params);
  }
}

function loggerParams(logger: RootLogger): Params {
  // useExisting: the HTTP logger is mounted by createApp ahead of the body parsers (so a
  // request refused while parsing is logged too); nestjs-pino binds its req.log for Nest code.
  return { pinoHttp: { logger }, useExisting: true };
}

/**
 * Runs a request's work in its logging context, as nestjs-pino's middleware does for Nest
 * routes: what Nest code logs inside carries the request id. For a route served outside
 * Nest's router (the standalone webhook route).
 */
export function createRequestContext(
  logger: RootLogger,
): <T>(requestId: unknown, work: () => T) => T {
  const pinoLogger = new PinoLogger(loggerParams(logger));
  return (requestId, work) =>
    pinoLogger.runInContext(work, { bindings: { request_id: requestId } });
}

/** A LoggerService for NestFactory (logs made before and outside the DI container included). */
export function createNestLogger(logger: RootLogger): NestLogger {
  const params = loggerParams(logger);
  return new NestLogger(new PinoLogger(params), params);
}

/** nestjs-pino's module (PinoLogger / @InjectPinoLogger for features) on the given root logger. */
@Module({})
export class LoggingModule {
  static forRoot(logger: RootLogger): DynamicModule {
    return { module: LoggingModule, imports: [LoggerModule.forRoot(loggerParams(logger))] };
  }
}
