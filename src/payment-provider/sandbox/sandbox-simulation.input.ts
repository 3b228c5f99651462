import { ValidationError } from '../../common/domain-error';
import { PROVIDER_REFUND_REASONS, type ProviderRefundReason } from '../payment-provider.types';
import type { SandboxDisputeStatus } from './sandbox-objects.types';

/*
 * Parsing of the simulation routes' JSON bodies. Strict like the API's own
 * validation: an unknown or misspelt field is a 400 naming it, not ignored.
 */

/** Stripe's dispute reasons. */
export const DISPUTE_REASONS = [
  'bank_cannot_process',
  'check_returned',
  'credit_not_processed',
  'customer_initiated',
  'debit_not_authorized',
  'duplicate',
  'fraudulent',
  'general',
  'incorrect_account_details',
  'insufficient_funds',
  'product_not_received',
  'product_unacceptable',
  'subscription_canceled',
  'unrecognized',
] as const;

/** Statuses a dispute may be created or updated to (still awaiting an outcome). */
export const OPEN_DISPUTE_STATUSES = [
  'needs_response',
  'under_review',
  'warning_needs_response',
  'warning_under_review',
] as const satisfies readonly SandboxDisputeStatus[];

export const CLOSED_DISPUTE_STATUSES = [
  'won',
  'lost',
  'warning_closed',
] as const satisfies readonly SandboxDisputeStatus[];

/** Stripe's early fraud warning types. */
export const FRAUD_TYPES = [
  'card_never_received',
  'fraudulent_card_application',
  'made_with_counterfeit_card',
  'made_with_lost_card',
  'made_with_stolen_card',
  'misc',
  'unauthorized_use_of_card',
] as const;

export const DEFAULT_DUE_IN_HOURS = 7 * 24;
const MAX_HOURS = 24 * 366;
const MAX_CLOCK_SECONDS = 10 * 366 * 24 * 3600;

/** Which payment a simulation is about: exactly one of the two ids. */
export interface PaymentTarget {
  paymentIntentId: string | null;
  chargeId: string | null;
}

export interface CreateDisputeInput extends PaymentTarget {
  reason: string;
  /** null: no deadline; negative: a deadline already passed. */
  dueInHours: number | null;
  status: SandboxDisputeStatus;
}

export interface UpdateDisputeInput {
  status?: SandboxDisputeStatus;
  reason?: string;
  dueInHours?: number | null;
}

export interface FraudWarningInput extends PaymentTarget {
  fraudType: string;
}

export interface DashboardRefundInput extends PaymentTarget {
  amount?: number;
  reason: ProviderRefundReason | null;
}

class Body {
  private readonly problems: Record<string, string[]> = {};

  constructor(
    private readonly body: Record<string, unknown>,
    allowed: readonly string[],
  ) {
    for (const key of Object.keys(body)) {
      if (!allowed.includes(key))
        this.problem(key, `unknown field; allowed: ${allowed.join(', ')}`);
    }
  }

  static of(raw: unknown, allowed: readonly string[]): Body {
    if (raw === undefined || raw === null || (Buffer.isBuffer(raw) && raw.length === 0)) {
      return new Body({}, allowed);
    }
    if (typeof raw !== 'object' || Array.isArray(raw) || Buffer.isBuffer(raw)) {
      throw new ValidationError(
        'Request body must be a JSON object (Content-Type: application/json)',
      );
    }
    return new Body(raw as Record<string, unknown>, allowed);
  }

  /** Present, even as null. */
  has(key: string): boolean {
    return this.body[key] !== undefined;
  }

  problem(field: string, message: string): void {
    (this.problems[field] ??= []).push(message);
  }

  id(key: string, prefix: string): string | null {
    const value = this.body[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string' || !value.startsWith(prefix)) {
      this.problem(key, `must be a string starting with ${prefix}`);
      return null;
    }
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.body[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      this.problem(key, `must be one of ${allowed.join(', ')}`);
      return undefined;
    }
    return value as T;
  }

  integer(key: string, min: number, max: number): number | undefined {
    const value = this.body[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      this.problem(key, `must be an integer from ${min} to ${max}`);
      return undefined;
    }
    return value;
  }

  /** Hours from now, possibly fractional or negative; null means no deadline. */
  hours(key: string): number | null | undefined {
    const value = this.body[key];
    if (value === undefined || value === null) return value;
    if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > MAX_HOURS) {
      this.problem(
        key,
        `must be a number of hours from -${MAX_HOURS} to ${MAX_HOURS}, or null for no deadline`,
      );
      return undefined;
    }
    return value;
  }

  target(): PaymentTarget {
    const paymentIntentId = this.id('payment_intent_id', 'pi_');
    const chargeId = this.id('charge_id', 'ch_');
    if (this.has('payment_intent_id') === this.has('charge_id')) {
      this.problem('payment_intent_id', 'give exactly one of payment_intent_id or charge_id');
    }
    return { paymentIntentId, chargeId };
  }

  /** Throws one ValidationError listing every problem. */
  done(): void {
    const fields = Object.entries(this.problems);
    if (fields.length === 0) return;
    const summary = fields
      .map(([field, problems]) => `${field}: ${problems.join(', ')}`)
      .join('; ');
    throw new ValidationError(`Validation failed: ${summary}`, this.problems);
  }
}

export function parseCreateDispute(raw: unknown): CreateDisputeInput {
  const body = Body.of(raw, ['payment_intent_id', 'charge_id', 'reason', 'due_in_hours', 'status']);
  const target = body.target();
  const reason = body.oneOf('reason', DISPUTE_REASONS) ?? 'fraudulent';
  const dueInHours = body.hours('due_in_hours');
  const status = body.oneOf('status', OPEN_DISPUTE_STATUSES) ?? 'needs_response';
  body.done();
  return {
    ...target,
    reason,
    dueInHours: dueInHours === undefined ? DEFAULT_DUE_IN_HOURS : dueInHours,
    status,
  };
}

export function parseUpdateDispute(raw: unknown): UpdateDisputeInput {
  const body = Body.of(raw, ['status', 'reason', 'due_in_hours']);
  const input: UpdateDisputeInput = {
    status: body.oneOf('status', OPEN_DISPUTE_STATUSES),
    reason: body.oneOf('reason', DISPUTE_REASONS),
  };
  if (body.has('due_in_hours')) {
    const hours = body.hours('due_in_hours');
    if (hours !== undefined) input.dueInHours = hours;
  }
  if (!body.has('status') && !body.has('reason') && input.dueInHours === undefined) {
    body.problem('status', 'give at least one of status, reason or due_in_hours');
  }
  body.done();
  return input;
}

export function parseCloseDispute(raw: unknown): {
  status: (typeof CLOSED_DISPUTE_STATUSES)[number];
} {
  const body = Body.of(raw, ['status']);
  const status = body.oneOf('status', CLOSED_DISPUTE_STATUSES);
  if (!body.has('status'))
    body.problem('status', `is required: one of ${CLOSED_DISPUTE_STATUSES.join(', ')}`);
  body.done();
  return { status: status! };
}

export function parseFraudWarning(raw: unknown): FraudWarningInput {
  const body = Body.of(raw, ['payment_intent_id', 'charge_id', 'fraud_type']);
  const target = body.target();
  const fraudType = body.oneOf('fraud_type', FRAUD_TYPES) ?? 'made_with_stolen_card';
  body.done();
  return { ...target, fraudType };
}

export function parseDashboardRefund(raw: unknown): DashboardRefundInput {
  const body = Body.of(raw, ['payment_intent_id', 'charge_id', 'amount', 'reason']);
  const target = body.target();
  const amount = body.integer('amount', 1, Number.MAX_SAFE_INTEGER);
  const reason = body.oneOf('reason', PROVIDER_REFUND_REASONS) ?? null;
  body.done();
  return { ...target, amount, reason };
}

export function parseClockAdvance(raw: unknown): { seconds: number } {
  const body = Body.of(raw, ['seconds']);
  const seconds = body.integer('seconds', 1, MAX_CLOCK_SECONDS);
  if (!body.has('seconds'))
    body.problem('seconds', 'is required: how far to move the sandbox clock forward');
  body.done();
  return { seconds: seconds! };
}
