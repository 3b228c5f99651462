import { appliesInOrder } from '../ledger/mirror-ordering';
import type { DisputeStatus } from './entities/dispute.entity';

/** DESIGN §6.4: "open" means still in play — a warning, or a chargeback awaiting an outcome. */
export const OPEN_DISPUTE_STATUSES: readonly DisputeStatus[] = [
  'warning_issued',
  'needs_response',
  'under_review',
];

/** Outcomes: a late event never moves a dispute out of these (see shouldApplyChange). */
export const TERMINAL_DISPUTE_STATUSES: readonly DisputeStatus[] = [
  'won',
  'lost',
  'charge_refunded',
  'warning_closed',
  'prevented',
];

/** Provider statuses that still wait for our evidence (the deadline job's scan, ix_payment_dispute_awaiting_response). */
export const AWAITING_RESPONSE_PROVIDER_STATUSES = [
  'needs_response',
  'warning_needs_response',
  'appeal_needs_response',
] as const;

/** What a fraud warning's provider_status holds when the provider gives no fraud type. */
export const FRAUD_WARNING_PROVIDER_STATUS = 'early_fraud_warning';

const STATUS_MAP: Readonly<Record<string, DisputeStatus>> = {
  warning_needs_response: 'warning_issued',
  warning_under_review: 'warning_issued',
  warning_closed: 'warning_closed',
  needs_response: 'needs_response',
  under_review: 'under_review',
  appeal_needs_response: 'needs_response',
  appeal_under_review: 'under_review',
  won: 'won',
  lost: 'lost',
  charge_refunded: 'charge_refunded',
  prevented: 'prevented',
};

/** A provider status we have no mapping for: the webhook fails (and stays replayable) rather than guess. */
export class UnknownDisputeStatusError extends Error {
  constructor(readonly providerStatus: string) {
    super(
      `Unknown dispute status "${providerStatus}": add it to the mapping in dispute-status.ts, then replay the webhook`,
    );
    this.name = 'UnknownDisputeStatusError';
  }
}

/** The local status of a chargeback or inquiry (DESIGN §6.4); the raw status is kept beside it. */
export function mapDisputeStatus(providerStatus: string): DisputeStatus {
  const status = Object.hasOwn(STATUS_MAP, providerStatus) ? STATUS_MAP[providerStatus] : undefined;
  if (!status) throw new UnknownDisputeStatusError(providerStatus);
  return status;
}

export function isTerminalDisputeStatus(status: DisputeStatus): boolean {
  return TERMINAL_DISPUTE_STATUSES.includes(status);
}

/**
 * How far along a dispute's life a provider status is, for events of the same
 * second: an inquiry before a chargeback, a chargeback awaiting evidence before
 * one under review, any outcome last.
 */
const PROGRESS: Readonly<Record<string, number>> = {
  warning_needs_response: 0,
  warning_under_review: 1,
  needs_response: 2,
  under_review: 3,
  appeal_needs_response: 4,
  appeal_under_review: 5,
};
const OUTCOME_PROGRESS = 10;

function progressOf(providerStatus: string | null): number {
  if (providerStatus === null) return -1;
  if (Object.hasOwn(PROGRESS, providerStatus)) return PROGRESS[providerStatus];
  const status = Object.hasOwn(STATUS_MAP, providerStatus) ? STATUS_MAP[providerStatus] : undefined;
  return status && isTerminalDisputeStatus(status) ? OUTCOME_PROGRESS : -1;
}

export interface StoredDisputeState {
  providerStatus: string | null;
  providerUpdatedAt: Date | null;
  actionable: boolean | null;
}

export type IncomingDisputeState =
  { kind: 'chargeback'; providerStatus: string } | { kind: 'fraud_warning'; actionable: boolean };

/**
 * The ordering rule of DESIGN §4 for disputes: a newer event applies, an older
 * one is skipped; an event of the same second applies again (a replay is
 * idempotent and re-emits) unless it would step back — so a late `updated`
 * never reopens a won/lost dispute, and a warning that stopped being actionable
 * does not become actionable again.
 */
export function shouldApplyChange(
  stored: StoredDisputeState,
  incoming: IncomingDisputeState,
  occurredAt: Date,
): boolean {
  return appliesInOrder(occurredAt, stored.providerUpdatedAt, () =>
    incoming.kind === 'fraud_warning'
      ? !(stored.actionable === false && incoming.actionable)
      : progressOf(incoming.providerStatus) >= progressOf(stored.providerStatus),
  );
}
