import { DomainError } from '../common/domain-error';

export type ProviderErrorKind = 'invalid_request' | 'provider_error' | 'unavailable';

/** A provider call failed; adapters translate their SDK's errors into this. */
export class ProviderError extends DomainError {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly providerCode?: string,
  ) {
    super(
      kind === 'invalid_request'
        ? 'provider_invalid_request'
        : kind === 'unavailable'
          ? 'provider_unavailable'
          : 'provider_error',
      message,
      providerCode ? { provider_code: providerCode } : undefined,
    );
    this.name = 'ProviderError';
  }

  get retryable(): boolean {
    return this.kind === 'unavailable';
  }
}

/** A webhook delivery that must be refused with 400 and not stored. */
export class WebhookVerificationError extends DomainError {
  constructor(message: string) {
    super('validation_failed', message);
    this.name = 'WebhookVerificationError';
  }
}
