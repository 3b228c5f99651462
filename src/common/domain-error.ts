/**
 * The codes a service may fail with. The global filter maps each to one HTTP
 * status; services never throw HttpException.
 */
export type ErrorCode =
  | 'validation_failed' // 400
  | 'unauthorized' // 401
  | 'not_found' // 404
  | 'conflict' // 409
  | 'unsupported_media_type' // 415: a body the route does not read
  | 'provider_invalid_request' // 400, the provider's message kept
  | 'provider_error' // 502: misconfiguration, authentication or a provider-side error
  | 'provider_unavailable'; // 503: timeout, connection, rate limit — retryable

export type ErrorDetails = Record<string, unknown>;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string | number) {
    super('not_found', `${what} ${id} not found`);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details?: ErrorDetails) {
    super('conflict', message, details);
  }
}

export class ValidationError extends DomainError {
  /** fields: field name → what is wrong with it */
  constructor(message: string, fields?: Record<string, string[]>) {
    super('validation_failed', message, fields ? { fields } : undefined);
  }
}
