import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import { ErrorBodyDto } from './error-body.dto';

/** The statuses an operation may answer with the §9 error shape. */
export type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 415 | 429 | 500 | 502 | 503;

const DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'Invalid input: details.fields names each field and its problems',
  401: 'Missing or unknown API key (when API_KEYS is set)',
  404: 'No such resource',
  409: 'The state does not allow it (e.g. already refunded, subscription ended, Idempotency-Key reused with another body)',
  413: 'The body is larger than BODY_LIMIT_BYTES',
  415: 'The body is not application/json',
  429: 'Rate limited: retry after the Retry-After header',
  500: 'Unexpected error: details.error_id is also in the log',
  502: 'The payment provider refused or failed (configuration, authentication, provider error)',
  503: 'The payment provider was not reached (timeout, connection, rate limit): a retry is safe',
};

/**
 * Documents error responses with the one error shape. 500 is added to every
 * operation that uses this: any route can fail unexpectedly.
 */
export function ApiErrors(...statuses: ErrorStatus[]): MethodDecorator & ClassDecorator {
  const all = [...new Set<ErrorStatus>([...statuses, 500])].sort((a, b) => a - b);
  return applyDecorators(
    ...all.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorBodyDto }),
    ),
  );
}

/** A route behind the API key: bearer security and its 401 (DESIGN §3). */
export function ApiKeyProtected(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiBearerAuth(), ApiErrors(401));
}
