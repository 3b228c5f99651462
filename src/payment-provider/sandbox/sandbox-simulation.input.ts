import { ValidationError } from '../../common/domain-error';
import type { ProviderRefundReason } from '../payment-provider.types';
import type {
  PaymentTargetDto,
  SimulateDisputeDto,
  SimulateFraudWarningDto,
  SimulateRefundDto,
  UpdateDisputeDto,
} from './dto/simulation.dto';
import type { SandboxDisputeStatus } from './sandbox-objects.types';

/*
 * What the simulation routes' bodies mean: their defaults and the rules that
 * span fields. The bodies themselves are validated by the DTOs in
 * dto/simulation.dto.ts, like every other route's.
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
export const MAX_HOURS = 24 * 366;
export const MAX_CLOCK_SECONDS = 10 * 366 * 24 * 3600;

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

/** Exactly one of payment_intent_id or charge_id. */
function targetOf(body: PaymentTargetDto): PaymentTarget {
  if ((body.payment_intent_id === undefined) === (body.charge_id === undefined)) {
    const problem = 'give exactly one of payment_intent_id or charge_id';
    throw new ValidationError(`Validation failed: payment_intent_id: ${problem}`, {
      payment_intent_id: [problem],
    });
  }
  return { paymentIntentId: body.payment_intent_id ?? null, chargeId: body.charge_id ?? null };
}

export function toCreateDisputeInput(body: SimulateDisputeDto): CreateDisputeInput {
  return {
    ...targetOf(body),
    reason: body.reason ?? 'fraudulent',
    dueInHours: body.due_in_hours === undefined ? DEFAULT_DUE_IN_HOURS : body.due_in_hours,
    status: body.status ?? 'needs_response',
  };
}

export function toUpdateDisputeInput(body: UpdateDisputeDto): UpdateDisputeInput {
  if (body.status === undefined && body.reason === undefined && body.due_in_hours === undefined) {
    const problem = 'give at least one of status, reason or due_in_hours';
    throw new ValidationError(`Validation failed: status: ${problem}`, { status: [problem] });
  }
  const input: UpdateDisputeInput = { status: body.status, reason: body.reason };
  if (body.due_in_hours !== undefined) input.dueInHours = body.due_in_hours;
  return input;
}

export function toFraudWarningInput(body: SimulateFraudWarningDto): FraudWarningInput {
  return { ...targetOf(body), fraudType: body.fraud_type ?? 'made_with_stolen_card' };
}

export function toDashboardRefundInput(body: SimulateRefundDto): DashboardRefundInput {
  return { ...targetOf(body), amount: body.amount, reason: body.reason ?? null };
}
