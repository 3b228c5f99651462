import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { runWithRequestId } from './request-context';

const VALID_ID = /^[A-Za-z0-9._:-]{1,100}$/;
const logger = new Logger('Http');

/**
 * Gives each request an id (the caller's X-Request-Id when it looks sane),
 * echoes it in the response, and logs one line when the response is done.
 */
export function requestIdMiddleware(
  request: Request,
  response: Response,
  next: NextFunction,
): void {
  const incoming = request.headers['x-request-id'];
  const requestId =
    typeof incoming === 'string' && VALID_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader('X-Request-Id', requestId);
  const started = process.hrtime.bigint();
  runWithRequestId(requestId, () => {
    response.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.log({
        msg: 'request',
        request_id: requestId,
        method: request.method,
        path: request.path,
        status: response.statusCode,
        duration_ms: Math.round(ms * 10) / 10,
      });
    });
    next();
  });
}
