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

/** The kinds of object the sandbox keeps; also the `kind` column of sandbox_object. */
export type SandboxObjectKind =
  | 'session'
  | 'payment_intent'
  | 'charge'
  | 'refund'
  | 'subscription'
  | 'invoice'
  | 'customer'
  | 'dispute'
  | 'warning'
  | 'idempotency';

export interface IdempotencyRecord {
  fingerprint: string;
  result: unknown;
}

/**
 * A Map that remembers which keys were read or written (iteration counts as
 * reading all), so that a persistent store knows which objects a unit of work
 * may have changed without comparing the whole state.
 */
export class TrackedMap<V> extends Map<string, V> {
  readonly touched = new Set<string>();
  private everything = false;

  override get(key: string): V | undefined {
    const value = super.get(key);
    if (value !== undefined) this.touched.add(key);
    return value;
  }

  override set(key: string, value: V): this {
    // Map's constructor calls set() before the fields exist.
    this.touched?.add(key);
    return super.set(key, value);
  }

  override values(): MapIterator<V> {
    this.everything = true;
    return super.values();
  }

  override entries(): MapIterator<[string, V]> {
    this.everything = true;
    return super.entries();
  }

  override [Symbol.iterator](): MapIterator<[string, V]> {
    this.everything = true;
    return super[Symbol.iterator]();
  }

  override forEach(callback: (value: V, key: string, map: Map<string, V>) => void): void {
    this.everything = true;
    super.forEach(callback);
  }

  /** Gets without counting as a read. */
  peek(key: string): V | undefined {
    return super.get(key);
  }

  /** Sets without counting as a change (loading what is already stored). */
  load(key: string, value: V): void {
    super.set(key, value);
  }

  /** The keys touched since the last call, and forgets them. */
  takeTouched(): string[] {
    const keys = this.everything ? [...super.keys()] : [...this.touched];
    this.touched.clear();
    this.everything = false;
    return keys;
  }
}

/**
 * The sandbox's whole state: Stripe-like objects by id, idempotency records,
 * and (in the persistent store) the clock's offset.
 *
 * This base class keeps it in memory only — what the unit specs use. The
 * service runs PostgresSandboxStore, which keeps the same maps as a cache of
 * its sandbox_object table: every change goes through mutate() (one
 * transaction under an advisory lock, so two instances or two concurrent
 * requests never both pay one session) and reads call refresh() first.
 *
 * Rules for callers: change objects only inside mutate() (or once()), keep the
 * function given to them synchronous, and send events after it returned.
 */
@Injectable()
export class SandboxStore {
  readonly sessions = new TrackedMap<SandboxCheckoutSession>();
  readonly paymentIntents = new TrackedMap<SandboxPaymentIntent>();
  readonly charges = new TrackedMap<SandboxCharge>();
  readonly refunds = new TrackedMap<SandboxRefund>();
  readonly subscriptions = new TrackedMap<SandboxSubscription>();
  readonly invoices = new TrackedMap<SandboxInvoice>();
  readonly customers = new TrackedMap<SandboxCustomer>();
  readonly disputes = new TrackedMap<SandboxDispute>();
  readonly warnings = new TrackedMap<SandboxEarlyFraudWarning>();
  protected readonly idempotency = new TrackedMap<IdempotencyRecord>();

  /** Every map by its kind (the persistent store walks them). */
  protected maps(): Record<SandboxObjectKind, TrackedMap<unknown>> {
    return {
      session: this.sessions,
      payment_intent: this.paymentIntents,
      charge: this.charges,
      refund: this.refunds,
      subscription: this.subscriptions,
      invoice: this.invoices,
      customer: this.customers,
      dispute: this.disputes,
      warning: this.warnings,
      idempotency: this.idempotency,
    };
  }

  newId(prefix: SandboxIdPrefix): string {
    const bytes = randomBytes(24);
    let suffix = '';
    for (const byte of bytes) suffix += ID_ALPHABET[byte % ID_ALPHABET.length];
    return `${prefix}_sbx_${suffix}`;
  }

  /** Brings the state up to date with what other instances stored (in memory: nothing to do). */
  async refresh(): Promise<void> {}

  /**
   * Runs `change` (synchronous) as one unit of work on up-to-date state and
   * stores what it changed; `afterCommit` callbacks registered meanwhile run
   * once it is stored. In memory it simply runs.
   */
  async mutate<T>(change: () => T): Promise<T> {
    let result: T;
    try {
      result = change();
    } catch (error) {
      this.dropAfterCommit();
      throw error;
    }
    this.runAfterCommit();
    return result;
  }

  private pendingAfterCommit: (() => void)[] = [];

  /** Runs `callback` once the current unit of work is stored (e.g. sending events later). */
  afterCommit(callback: () => void): void {
    this.pendingAfterCommit.push(callback);
  }

  protected runAfterCommit(): void {
    const callbacks = this.pendingAfterCommit;
    this.pendingAfterCommit = [];
    for (const callback of callbacks) callback();
  }

  protected dropAfterCommit(): void {
    this.pendingAfterCommit = [];
  }

  /**
   * Runs `produce` once per (operation, key), in a unit of work: a repeated
   * key returns the first result (a copy) and changes nothing. Only successes
   * are remembered, so a request that failed may be retried with the same key.
   * The same key with other parameters is refused, with Stripe's wording.
   */
  once<T>(operation: string, key: string, params: unknown, produce: () => T): Promise<T> {
    return this.mutate(() => {
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
    });
  }
}
