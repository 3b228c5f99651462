import Stripe from 'stripe';
import { ProviderError } from '../payment-provider.errors';
import { StripePayloadError } from './stripe-object.mapper';

const { errors } = Stripe;

/** Stripe's request id, for operators to find the call in the Stripe dashboard. */
function withRequestId(message: string, error: InstanceType<typeof errors.StripeError>): string {
  return error.requestId ? `${message} (Stripe request ${error.requestId})` : message;
}

/**
 * Translates what a Stripe API call threw into our ProviderError (DESIGN §5):
 * - invalid_request (400): the caller's request is wrong; Stripe's message is kept for the client.
 * - provider_error (502): our credentials or configuration, or Stripe failed; the message is ours,
 *   so that nothing Stripe echoes about the key reaches a client.
 * - unavailable (503, retryable): Stripe could not be reached, timed out or asked us to slow down.
 * And the outcome (ProviderCallOutcome): a connection failure or a 429 is `not_sent` only when no
 * attempt of the call may have been processed (`maybeProcessed`, see stripe-attempts.ts); a
 * timeout, a reset, a 409 or a 5xx is `unknown`; a 4xx answer is `refused`.
 * Errors that are not Stripe's (a bug of ours) are returned unchanged.
 */
export function translateStripeError(error: unknown, maybeProcessed = true): unknown {
  if (error instanceof ProviderError) return error;
  if (error instanceof StripePayloadError) {
    return new ProviderError(
      'provider_error',
      `Unexpected response from payment provider: ${error.message}`,
      undefined,
      'unknown',
    );
  }
  if (!(error instanceof errors.StripeError)) return error;

  const code = error.code ?? error.rawType;
  if (
    error instanceof errors.StripeInvalidRequestError ||
    error instanceof errors.StripeCardError ||
    error instanceof errors.StripeIdempotencyError
  ) {
    return new ProviderError(
      'invalid_request',
      error.message || 'Payment provider rejected the request',
      code,
    );
  }
  if (error instanceof errors.StripeAuthenticationError) {
    return new ProviderError(
      'provider_error',
      'Payment provider rejected our credentials',
      code,
      'refused',
    );
  }
  if (error instanceof errors.StripePermissionError) {
    return new ProviderError(
      'provider_error',
      'Payment provider refused the request: the API key lacks a permission',
      code,
      'refused',
    );
  }
  if (error instanceof errors.StripeRateLimitError) {
    return new ProviderError(
      'unavailable',
      'Payment provider rate limit reached; retry later',
      code,
      maybeProcessed ? 'unknown' : 'not_sent',
    );
  }
  if (error instanceof errors.StripeConnectionError) {
    const timedOut = error.message.startsWith('Request aborted due to timeout');
    const notSent = !timedOut && !maybeProcessed;
    return new ProviderError(
      'unavailable',
      timedOut
        ? 'Payment provider did not answer in time'
        : notSent
          ? 'Payment provider is unreachable'
          : 'The connection to the payment provider broke after the request was sent',
      code,
      notSent ? 'not_sent' : 'unknown',
    );
  }
  // 409: another request with the same idempotency key is still running (or a lock timed out);
  // 503/504: Stripe (or a proxy in front of it) is temporarily unavailable. All safe to retry.
  if (error.statusCode === 409 || error.statusCode === 503 || error.statusCode === 504) {
    return new ProviderError(
      'unavailable',
      withRequestId('Payment provider is busy; retry later', error),
      code,
      'unknown',
    );
  }
  // Any other status: a 4xx is a definite answer; a 5xx may follow work Stripe did.
  const outcome = (error.statusCode ?? 500) >= 500 ? 'unknown' : 'refused';
  return new ProviderError(
    'provider_error',
    withRequestId('Payment provider error', error),
    code,
    outcome,
  );
}
