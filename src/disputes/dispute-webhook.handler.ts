import { insertReturning, queryEntities, updateReturning } from '../database/entity-from-row';
import { Injectable } from '@nestjs/common';
import { PaymentEvents, type PaymentEventName } from '../events/payment-events';
import type { ChangeOf } from '../payment-provider/payment-provider.types';
import { findCharge, transactionById } from '../ledger/charge-rows';
import type { TransactionEntity } from '../transactions/entities/transaction.entity';
import { toTransactionResource } from '../transactions/transaction.resource';
import type { WebhookContext } from '../webhooks/webhook-handler.registry';
import {
  FRAUD_WARNING_PROVIDER_STATUS,
  mapDisputeStatus,
  shouldApplyChange,
  type IncomingDisputeState,
} from './dispute-status';
import { toDisputeResource } from './dispute.resource';
import {
  DisputeClosedEvent,
  DisputeCreatedEvent,
  DisputeUpdatedEvent,
  FraudWarningCreatedEvent,
  type DisputeEventBase,
} from './disputes.events';
import { DisputeEntity } from './entities/dispute.entity';

/** The columns an event sets; transaction_id and the deadline job's marks are handled apart. */
type DisputeFields = Pick<
  DisputeEntity,
  | 'kind'
  | 'status'
  | 'providerStatus'
  | 'reason'
  | 'amount'
  | 'currency'
  | 'evidenceDueBy'
  | 'actionable'
  | 'providerChargeId'
  | 'providerPaymentIntentId'
>;

type EventClass = new (
  data: ConstructorParameters<typeof DisputeCreatedEvent>[0],
) => DisputeEventBase;

interface Upsert {
  providerDisputeId: string;
  fields: DisputeFields;
  incoming: IncomingDisputeState;
  /** Announces a row we had not seen before. */
  created: { name: PaymentEventName; type: EventClass };
  /** Announces a change to a known row (or, after `created`, what this event was). */
  changed: { name: PaymentEventName; type: EventClass } | null;
}

/** The dispute row by its provider id, locked: a concurrent delivery about it waits. */
const LOCK_DISPUTE_SQL =
  'SELECT * FROM payment_dispute WHERE provider = $1 AND provider_dispute_id = $2 FOR UPDATE';

const CREATED = { name: PaymentEvents.DISPUTE_CREATED, type: DisputeCreatedEvent };
const UPDATED = { name: PaymentEvents.DISPUTE_UPDATED, type: DisputeUpdatedEvent };
const CLOSED = { name: PaymentEvents.DISPUTE_CLOSED, type: DisputeClosedEvent };
const WARNING_CREATED = {
  name: PaymentEvents.FRAUD_WARNING_CREATED,
  type: FraudWarningCreatedEvent,
};

/**
 * Mirrors chargebacks and early fraud warnings (DESIGN §6.4). Upsert by provider
 * id under a row lock, ordered by the event time (shouldApplyChange); the row is
 * linked to its charge when that is already known, else later by DisputeLinker.
 */
@Injectable()
export class DisputeWebhookHandler {
  async onDisputeChanged(change: ChangeOf<'dispute.changed'>, ctx: WebhookContext): Promise<void> {
    const { dispute } = change;
    await this.upsert(change.raw, ctx, {
      providerDisputeId: dispute.id,
      fields: {
        kind: 'chargeback',
        status: mapDisputeStatus(dispute.status),
        providerStatus: dispute.status,
        reason: dispute.reason,
        amount: dispute.amount,
        currency: dispute.currency.toLowerCase(),
        evidenceDueBy: dispute.evidenceDueBy,
        actionable: null,
        providerChargeId: dispute.chargeId,
        providerPaymentIntentId: dispute.paymentIntentId,
      },
      incoming: { kind: 'chargeback', providerStatus: dispute.status },
      created: CREATED,
      changed:
        change.action === 'created' ? CREATED : change.action === 'closed' ? CLOSED : UPDATED,
    });
  }

  async onFraudWarningChanged(
    change: ChangeOf<'fraud_warning.changed'>,
    ctx: WebhookContext,
  ): Promise<void> {
    const { warning } = change;
    await this.upsert(change.raw, ctx, {
      providerDisputeId: warning.id,
      fields: {
        kind: 'fraud_warning',
        // A warning has no lifecycle of its own at the provider: it stays warning_issued. When it stops
        // being actionable (the charge was refunded or disputed) only `actionable` changes; a chargeback,
        // if one follows, is a dispute row of its own.
        status: 'warning_issued',
        providerStatus: warning.fraudType ?? FRAUD_WARNING_PROVIDER_STATUS,
        reason: warning.fraudType,
        // No amount on a warning: filled from the charge when linked.
        amount: null,
        currency: null,
        evidenceDueBy: null,
        actionable: warning.actionable,
        providerChargeId: warning.chargeId,
        providerPaymentIntentId: warning.paymentIntentId,
      },
      incoming: { kind: 'fraud_warning', actionable: warning.actionable },
      created: WARNING_CREATED,
      changed: change.action === 'created' ? WARNING_CREATED : UPDATED,
    });
  }

  private async upsert(
    raw: Record<string, unknown>,
    ctx: WebhookContext,
    upsert: Upsert,
  ): Promise<void> {
    const { manager } = ctx;
    let transaction = await findCharge(manager, ctx.provider, upsert.fields);
    const inserted = await insertReturning(
      manager,
      DisputeEntity,
      {
        ...upsert.fields,
        ...chargeAmount(upsert.fields, transaction),
        provider: ctx.provider,
        providerDisputeId: upsert.providerDisputeId,
        transactionId: transaction?.id ?? null,
        providerUpdatedAt: ctx.occurredAt,
      },
      { onConflictDoNothing: true },
    );
    // Each write returns the row as stored: it is not read back.
    let saved: DisputeEntity | undefined;

    const events: { name: PaymentEventName; type: EventClass }[] = [];
    if (inserted !== undefined) {
      // The insert holds the new row's lock until commit: nothing to select before reading it.
      saved = inserted;
      events.push(upsert.created);
      if (upsert.changed && upsert.changed.name !== upsert.created.name)
        events.push(upsert.changed);
    } else {
      // Lock the row: a concurrent delivery about the same dispute waits here.
      const [row] = await queryEntities(manager, DisputeEntity, LOCK_DISPUTE_SQL, [
        ctx.provider,
        upsert.providerDisputeId,
      ]);
      if (row === undefined)
        throw new Error(`dispute ${upsert.providerDisputeId} conflicts but cannot be found`);
      if (row.transactionId !== null)
        transaction = await transactionById(manager, row.transactionId);
      const apply = shouldApplyChange(row, upsert.incoming, ctx.occurredAt);
      const link = row.transactionId === null && transaction !== null;
      if (!apply && !link) return; // an older event: no write, no event
      const patch: Partial<DisputeEntity> = link ? { transactionId: transaction!.id } : {};
      if (apply) {
        Object.assign(patch, upsert.fields, { providerUpdatedAt: ctx.occurredAt });
        // A new deadline is watched afresh by the deadline job.
        if (!sameTime(row.evidenceDueBy, upsert.fields.evidenceDueBy))
          Object.assign(patch, { deadlineWarnedAt: null, deadlineFlaggedAt: null });
      }
      Object.assign(patch, chargeAmount({ ...row, ...patch }, transaction));
      saved = await updateReturning(manager, DisputeEntity, row.id, patch);
      events.push(apply && upsert.changed ? upsert.changed : UPDATED);
    }

    if (saved === undefined) throw new Error(`dispute ${upsert.providerDisputeId} was not written`);
    const dispute = toDisputeResource(saved);
    const transactionResource = transaction ? toTransactionResource(transaction) : null;
    for (const event of events) {
      ctx.emit(
        event.name,
        new event.type({
          providerEventId: ctx.eventId,
          occurredAt: ctx.occurredAt,
          raw,
          dispute,
          transaction: transactionResource,
        }),
      );
    }
  }
}

/** A fraud warning carries no amount: it takes its charge's. */
function chargeAmount(
  fields: Pick<DisputeEntity, 'amount' | 'currency'>,
  transaction: TransactionEntity | null,
): Partial<DisputeEntity> {
  if (fields.amount !== null || !transaction) return {};
  return { amount: transaction.amount, currency: transaction.currency };
}

function sameTime(a: Date | null, b: Date | null): boolean {
  return (a?.getTime() ?? null) === (b?.getTime() ?? null);
}
