import { STATUS_CODES } from 'node:http';

/** The one error shape of DESIGN §9. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: Record<string, unknown>;
}

export function errorBody(
  statusCode: number,
  message: string,
  details?: Record<string, unknown>,
): ErrorBody {
  const body: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  if (details && Object.keys(details).length > 0) body.details = details;
  return body;
}
