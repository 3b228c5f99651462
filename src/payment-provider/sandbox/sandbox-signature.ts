import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookVerificationError } from '../payment-provider.errors';

/** The header the sandbox signs its deliveries with (Node lowercases header names). */
export const SANDBOX_SIGNATURE_HEADER = 'sandbox-signature';

/** How old (or how far ahead) a signature timestamp may be, as Stripe's default. */
export const SANDBOX_SIGNATURE_TOLERANCE_SECONDS = 300;

function hmacHex(secret: string, timestamp: number, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/**
 * The `sandbox-signature` header value for a body:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (Stripe's scheme).
 * Tests use it to sign events they post to the webhook route.
 */
export function signSandboxPayload(
  body: string,
  secret: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

/**
 * Checks a delivery's signature on its exact bytes. The timestamp is real time
 * (when it was sent), not the sandbox clock, which may have been advanced.
 * @throws WebhookVerificationError naming what is wrong
 */
export function verifySandboxSignature(
  rawBody: Buffer,
  header: string | string[] | undefined,
  secret: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
  toleranceSeconds: number = SANDBOX_SIGNATURE_TOLERANCE_SECONDS,
): void {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') {
    throw new WebhookVerificationError(`Missing ${SANDBOX_SIGNATURE_HEADER} header`);
  }
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of value.split(',')) {
    const [key, item] = part.trim().split('=', 2);
    if (key === 't' && item !== undefined && /^\d{1,12}$/.test(item)) timestamp = Number(item);
    if (key === 'v1' && item !== undefined) signatures.push(item);
  }
  if (timestamp === undefined || signatures.length === 0) {
    throw new WebhookVerificationError(
      `Malformed ${SANDBOX_SIGNATURE_HEADER} header: expected t=<unix seconds>,v1=<hex HMAC>`,
    );
  }
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    throw new WebhookVerificationError(
      `Stale ${SANDBOX_SIGNATURE_HEADER} timestamp: ${timestamp} is more than ${toleranceSeconds} s from now`,
    );
  }
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex');
  // Several v1 values are allowed, as with Stripe while a secret is rolled.
  const matches = signatures.some((signature) => {
    if (!/^[0-9a-f]+$/i.test(signature)) return false;
    const presented = Buffer.from(signature, 'hex');
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  });
  if (!matches) {
    throw new WebhookVerificationError(
      `No ${SANDBOX_SIGNATURE_HEADER} signature matches the payload (wrong secret or altered body)`,
    );
  }
}
