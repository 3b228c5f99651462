import type { Metadata } from '../payment-provider/payment-provider.types';

/*
 * The metadata an app attaches to a checkout, and the marker we add to it.
 * Pure functions, unit-tested in checkout-metadata.spec.ts.
 */

/**
 * Added to the provider metadata of every one-time checkout (the provider copies it onto the
 * payment intent), so that a payment event can be recognised as one of our checkouts before
 * the checkout's own completion event links them. Never shown back to the app.
 */
export const CHECKOUT_MARKER_KEY = 'payment_service';
export const CHECKOUT_MARKER_VALUE = 'checkout';

/**
 * Our checkout row's id in the provider's metadata (intent first, DESIGN §6.2): the row is
 * written before the provider is called, so a completion always finds its row and its
 * customer_ref, even when the process died before it learnt the provider's session id.
 */
export const CHECKOUT_ROW_KEY = 'payment_service_checkout_id';

export const METADATA_LIMITS = { keys: 20, keyLength: 40, valueLength: 500 } as const;

/** Problems with the metadata object, one message each; empty when it is acceptable. */
export function metadataProblems(metadata: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const keys = Object.keys(metadata);
  if (keys.length > METADATA_LIMITS.keys) {
    problems.push(`must have at most ${METADATA_LIMITS.keys} keys, got ${keys.length}`);
  }
  for (const key of keys) {
    const value = metadata[key];
    if (key.length === 0) problems.push('keys must not be empty');
    else if (key.length > METADATA_LIMITS.keyLength) {
      problems.push(
        `key "${key.slice(0, 50)}" is longer than ${METADATA_LIMITS.keyLength} characters`,
      );
    } else if (/[[\]]/.test(key)) {
      problems.push(`key "${key}" must not contain square brackets`);
    } else if (key === CHECKOUT_MARKER_KEY || key === CHECKOUT_ROW_KEY) {
      problems.push(`key "${key}" is reserved by the payment service`);
    }
    if (typeof value !== 'string') {
      problems.push(`value of "${key.slice(0, 50)}" must be a string, got ${describe(value)}`);
    } else if (value.length > METADATA_LIMITS.valueLength) {
      problems.push(
        `value of "${key.slice(0, 50)}" is longer than ${METADATA_LIMITS.valueLength} characters`,
      );
    }
  }
  return problems;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** The metadata sent to the provider: the app's, plus the marker in one-time mode. */
export function providerMetadata(
  metadata: Metadata,
  mode: 'payment' | 'subscription',
  rowId?: number,
): Metadata {
  const withRow =
    rowId === undefined ? { ...metadata } : { ...metadata, [CHECKOUT_ROW_KEY]: String(rowId) };
  return mode === 'payment'
    ? { ...withRow, [CHECKOUT_MARKER_KEY]: CHECKOUT_MARKER_VALUE }
    : withRow;
}

/** Our checkout row id from a session's provider metadata, or null. */
export function checkoutRowIdOf(metadata: Metadata | null | undefined): number | null {
  const raw = metadata?.[CHECKOUT_ROW_KEY];
  return raw && /^[1-9][0-9]{0,9}$/.test(raw) ? Number(raw) : null;
}

export function hasCheckoutMarker(metadata: Metadata): boolean {
  return metadata[CHECKOUT_MARKER_KEY] === CHECKOUT_MARKER_VALUE;
}

/** The metadata as the app gave it: without our marker. */
export function withoutMarker(metadata: Metadata): Metadata {
  const { [CHECKOUT_MARKER_KEY]: _marker, [CHECKOUT_ROW_KEY]: _row, ...rest } = metadata;
  return rest;
}
