import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ProviderError } from '../payment-provider.errors';
import type {
  SandboxCharge,
  SandboxCheckoutSession,
  SandboxCustomer,
  SandboxDispute,
  SandboxEarlyFraudWarning,
  SandboxInvoice,
  SandboxPaymentIntent,
  SandboxRefund,
  SandboxSubscription,
} from './sandbox-objects.types';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Stripe's prefixes; `sbx` marks an id as the sandbox's (`pi_sbx_…`). */
export type SandboxIdPrefix =
  'cs' | 'pi' | 'ch' | 're' | 'sub' | 'in' | 'cus' | 'dp' | 'issfr' | 'evt';

/**
 * The sandbox's whole state, in memory: a restart forgets every session,
 * payment and subscription (rows already written by our webhooks stay, but the
 * sandbox no longer knows their ids). Good enough for development, demos and
 * tests, which start fresh anyway.
 */
@Injectable()
export class SandboxStore {
  readonly sessions = new Map<string, SandboxCheckoutSession>();
  readonly paymentIntents = new Map<string, SandboxPaymentIntent>();
  readonly charges = new Map<string, SandboxCharge>();
  readonly refunds = new Map<string, SandboxRefund>();
  readonly subscriptions = new Map<string, SandboxSubscription>();
  readonly invoices = new Map<string, SandboxInvoice>();
  readonly customers = new Map<string, SandboxCustomer>();
  readonly disputes = new Map<string, SandboxDispute>();
  readonly warnings = new Map<string, SandboxEarlyFraudWarning>();
  private readonly idempotency = new Map<string, { fingerprint: string; result: unknown }>();

  newId(prefix: SandboxIdPrefix): string {
    const bytes = randomBytes(24);
    let suffix = '';
    for (const byte of bytes) suffix += ID_ALPHABET[byte % ID_ALPHABET.length];
    return `${prefix}_sbx_${suffix}`;
  }

  /**
   * Runs `produce` once per (operation, key): a repeated key returns the first
   * result (a copy) and changes nothing. Only successes are remembered, so a
   * request that failed may be retried with the same key. The same key with
   * other parameters is refused, with Stripe's wording.
   */
  once<T>(operation: string, key: string, params: unknown, produce: () => T): T {
    const slot = `${operation}:${key}`;
    const fingerprint = JSON.stringify(params);
    const previous = this.idempotency.get(slot);
    if (previous) {
      if (previous.fingerprint !== fingerprint) {
        throw new ProviderError(
          'invalid_request',
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          'idempotency_error',
        );
      }
      return structuredClone(previous.result) as T;
    }
    const result = produce();
    this.idempotency.set(slot, { fingerprint, result: structuredClone(result) });
    return result;
  }
}
