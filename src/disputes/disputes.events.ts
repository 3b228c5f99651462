import { PaymentEventBase } from '../events/payment-events';
import type { TransactionResource } from '../transactions/transaction.resource';
import type { DisputeResource } from './dispute.resource';

interface DisputeEventData {
  providerEventId: string | null;
  occurredAt: Date;
  raw: Record<string, unknown> | null;
  dispute: DisputeResource;
  transaction: TransactionResource | null;
}

/**
 * What every dispute event carries: the dispute (or fraud warning) row and, once
 * it is linked, the charge it is about — `transaction.id` is what
 * `POST /api/v1/payment/refund/:transactionId` takes.
 */
export abstract class DisputeEventBase extends PaymentEventBase {
  dispute: DisputeResource;
  /** null while the charge is not known yet; a `payment.dispute.updated` follows when it is linked. */
  transaction: TransactionResource | null;

  constructor(data: DisputeEventData) {
    super(data);
    this.dispute = data.dispute;
    this.transaction = data.transaction;
  }
}

/** `payment.fraud_warning.created`: the card issuer reported the charge as likely fraud; a chargeback may follow. Refund now to avoid it. */
export class FraudWarningCreatedEvent extends DisputeEventBase {}

/** `payment.dispute.created`: a chargeback or inquiry was opened (status needs_response or warning_issued, with its deadline). */
export class DisputeCreatedEvent extends DisputeEventBase {}

/**
 * `payment.dispute.updated`: status, deadline or reason changed — or the dispute was just linked to its
 * transaction. Also sent for fraud warnings (kind `fraud_warning`) on `radar.early_fraud_warning.updated`.
 */
export class DisputeUpdatedEvent extends DisputeEventBase {}

/** `payment.dispute.closed`: an outcome — won, lost, charge_refunded, warning_closed or prevented. */
export class DisputeClosedEvent extends DisputeEventBase {}

/** `payment.dispute.deadline_approaching`: evidence is due within DISPUTE_DEADLINE_WARNING_HOURS; sent once per deadline. providerEventId and raw are null. */
export class DisputeDeadlineApproachingEvent extends DisputeEventBase {}

/** `payment.dispute.deadline_passed`: evidence_due_by passed with no response; sent once per deadline. providerEventId and raw are null. */
export class DisputeDeadlinePassedEvent extends DisputeEventBase {}
