import { createHash, randomUUID } from 'node:crypto';

/*
 * Idempotency-Key support for POST /checkout: the key is stored on the session row with a
 * fingerprint of the request, so that a retry returns the same session and the same key with
 * another body is refused.
 */

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** The request as it is acted on (defaults applied), which is what a retry must repeat. */
export interface CheckoutRequestShape {
  priceId: string;
  mode: string;
  quantity: number;
  successUrl: string;
  cancelUrl: string;
  customerRef: string | null;
  customerEmail: string | null;
  metadata: Record<string, string>;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** 64 hex characters; the metadata's key order does not matter. */
export function requestFingerprint(request: CheckoutRequestShape): string {
  const metadata = Object.fromEntries(
    Object.entries(request.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return sha256(
    JSON.stringify([
      request.priceId,
      request.mode,
      request.quantity,
      request.successUrl,
      request.cancelUrl,
      request.customerRef,
      request.customerEmail,
      metadata,
    ]),
  );
}

/**
 * The key the provider call is made with. Derived from the client's key and the request, so
 * that a retry reaches the same provider session while a corrected request after a refused one
 * (e.g. the wrong mode) is not answered with the provider's cached refusal. Without a client
 * key the key is the intent row's own (one provider session per row).
 */
export function providerIdempotencyKey(
  clientKey: string | null,
  fingerprint: string,
  intentKey: string = randomUUID(),
): string {
  if (clientKey === null) return `checkout-${intentKey}`;
  return `checkout-${sha256(`${clientKey}\n${fingerprint}`).slice(0, 48)}`;
}

/** Why a header value is unusable, or null when it is fine. */
export function idempotencyKeyProblem(key: string): string | null {
  if (key.length === 0) return 'must not be empty';
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    return `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`;
  }
  if (!/^[\x21-\x7e]+$/.test(key)) return 'must be printable ASCII without spaces';
  return null;
}
