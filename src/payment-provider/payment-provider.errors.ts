import { DomainError } from '../common/domain-error';

export type ProviderErrorKind = 'invalid_request' | 'provider_error' | 'unavailable';

/**
 * What is known about the call's effect at the provider (DESIGN §5, §9):
 * - `refused`: the provider answered and did nothing (invalid request, bad credentials);
 * - `not_sent`: no attempt reached the provider (connection refused, DNS failure) or it
 *   refused to process it (429): nothing was made, a retry is safe;
 * - `unknown`: an attempt may have been processed (timeout or reset after sending, 5xx,
 *   an answer we could not read): the service owns the outcome and settles it.
 */
export type ProviderCallOutcome = 'refused' | 'not_sent' | 'unknown';

/** A provider call failed; adapters translate their SDK's errors into this. */
export class ProviderError extends DomainError {
  /** Defaults: an invalid request was refused; anything else may have been processed. */
  readonly outcome: ProviderCallOutcome;

  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly providerCode?: string,
    outcome?: ProviderCallOutcome,
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
    this.outcome = outcome ?? (kind === 'invalid_request' ? 'refused' : 'unknown');
  }

  /** The provider made nothing: what was reserved for the call can be released. */
  get nothingMade(): boolean {
    return this.outcome !== 'unknown';
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

/**
 * A delivery whose signature verified but which the adapter cannot read (e.g. a status the
 * provider added later, a missing field). The inbox stores it `failed` with this reason and
 * answers 5xx: the provider retries, and `webhooks replay` works once the code understands it.
 */
export class UnreadableWebhookError extends Error {
  constructor(
    message: string,
    /** The verified event as parsed JSON. */
    readonly payload: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'UnreadableWebhookError';
  }
}
