import { Injectable } from '@nestjs/common';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import { DataSource, In, type EntityManager } from 'typeorm';
import { EventOutbox, type EmitEvent } from '../events/event-outbox';
import { PaymentEvents } from '../events/payment-events';
import { TransactionEntity } from '../transactions/entities/transaction.entity';
import { toTransactionResource } from '../transactions/transaction.resource';
import { chargeIdsOf } from '../ledger/charge-lookups';
import { toDisputeResource } from './dispute.resource';
import { DisputeUpdatedEvent } from './disputes.events';
import { DisputeEntity } from './entities/dispute.entity';

/** The event that led to a link: its id and time are passed on to the `payment.dispute.updated` it causes. */
export interface LinkCause {
  providerEventId: string | null;
  occurredAt: Date;
}

const SET_LINK = `transaction_id = t.id, amount = COALESCE(d.amount, t.amount), currency = COALESCE(d.currency, t.currency), updated_at = now()`;
const MATCHES_CHARGE = `t.type = 'charge' AND t.provider = d.provider
  AND (t.provider_charge_id = d.provider_charge_id OR t.provider_payment_intent_id = d.provider_payment_intent_id)`;

/** Charge $1, as the link statements read it. */
const CHARGE = `t AS MATERIALIZED (
    SELECT id, provider, provider_charge_id, provider_payment_intent_id, amount, currency
      FROM payment_transaction WHERE id = $1 AND type = 'charge'
  )`;

/**
 * The disputes about charge `t`: found by the charge id and payment intent id indexes (an
 * InitPlan), then read by primary key. Joined in one condition (`charge id = … OR payment intent
 * id = …`), the planner — whenever its statistics of the table are stale, e.g. after a burst of
 * disputes — walked every unlinked dispute instead, on each successful payment (28 ms at 1,000
 * unlinked disputes, growing with them).
 */
const DISPUTES_OF_CHARGE = `d.id = ANY (ARRAY(
           SELECT m.id FROM payment_dispute m, t
            WHERE m.provider_charge_id = t.provider_charge_id AND m.provider = t.provider
           UNION
           SELECT m.id FROM payment_dispute m, t
            WHERE m.provider_payment_intent_id = t.provider_payment_intent_id AND m.provider = t.provider))`;

/** Whether charge $1 has a dispute waiting to be linked: one read, no transaction. */
export const DISPUTES_WAITING_SQL = `WITH ${CHARGE}
  SELECT EXISTS (
    SELECT 1 FROM payment_dispute d WHERE ${DISPUTES_OF_CHARGE} AND d.transaction_id IS NULL
  ) AS waiting`;

/**
 * The charge row id of dispute $1 if the dispute is still unlinked and its charge is recorded
 * (else null): the dispute's ids first (InitPlans), then each looked up by its own unique index.
 */
export const CHARGE_OF_UNLINKED_DISPUTE_SQL = `WITH d AS MATERIALIZED (
    SELECT provider, provider_charge_id, provider_payment_intent_id FROM payment_dispute
     WHERE id = $1 AND transaction_id IS NULL)
  SELECT min(id) AS id FROM (${chargeIdsOf(
    '(SELECT provider FROM d)',
    '(SELECT provider_payment_intent_id FROM d)',
    '(SELECT provider_charge_id FROM d)',
  )}) c`;

/** Links the unlinked disputes of charge $1. */
export const LINK_TRANSACTION_SQL = `WITH ${CHARGE}
  UPDATE payment_dispute d SET ${SET_LINK} FROM t
   WHERE ${DISPUTES_OF_CHARGE} AND d.transaction_id IS NULL
  RETURNING d.id`;

/**
 * A dispute or fraud warning may arrive before the charge it is about (DESIGN
 * §6.1: "a child that arrives before its parent is kept and linked later").
 * Each UPDATE only touches rows still unlinked, so two linkers racing link a
 * dispute once and announce it once (`payment.dispute.updated`, carrying the
 * transaction a listener needs to refund), written to the outbox in the
 * transaction of the link.
 */
@Injectable()
export class DisputeLinker {
  constructor(
    @InjectPaymentDataSource() private readonly dataSource: DataSource,
    private readonly outbox: EventOutbox,
  ) {}

  /** Links the unlinked disputes about this charge (by charge id or payment intent id). */
  async linkTransaction(transactionId: number, cause: LinkCause): Promise<number> {
    // Nearly every payment has no dispute waiting for it: one read says so (a transaction and
    // its UPDATE only when there is one; the UPDATE checks again, under the row locks).
    const [{ waiting }] = await this.dataSource.query<{ waiting: boolean }[]>(
      DISPUTES_WAITING_SQL,
      [transactionId],
    );
    if (!waiting) return 0;
    return this.linkWhere(LINK_TRANSACTION_SQL, [transactionId], cause);
  }

  /** Links one dispute if its charge is recorded by now (the re-check after the dispute's own commit). */
  async linkDispute(disputeId: number, cause: LinkCause): Promise<number> {
    // One read: nearly always the charge is not recorded (or the dispute got linked meanwhile).
    const [charge] = await this.dataSource.query<{ id: number }[]>(CHARGE_OF_UNLINKED_DISPUTE_SQL, [
      disputeId,
    ]);
    if (!charge) return 0;
    return this.linkTransaction(charge.id, cause);
  }

  /** Links every unlinked dispute whose charge is recorded (cheap: ix_payment_dispute_unlinked). */
  async linkAll(cause: LinkCause): Promise<number> {
    return this.linkWhere(
      `UPDATE payment_dispute d SET ${SET_LINK} FROM payment_transaction t
       WHERE d.transaction_id IS NULL AND ${MATCHES_CHARGE}
       RETURNING d.id`,
      [],
      cause,
    );
  }

  /** The link and its events commit together. */
  private linkWhere(sql: string, parameters: unknown[], cause: LinkCause): Promise<number> {
    return this.outbox.transaction(async (manager, emit) => {
      // TypeORM answers an UPDATE with [rows, affected count].
      const [rows] = await manager.query<[{ id: number }[], number]>(sql, parameters);
      await this.announce(
        manager,
        emit,
        rows.map((row) => row.id),
        cause,
      );
      return rows.length;
    });
  }

  /** One `payment.dispute.updated` per linked row. */
  private async announce(
    manager: EntityManager,
    emit: EmitEvent,
    disputeIds: number[],
    cause: LinkCause,
  ): Promise<void> {
    if (disputeIds.length === 0) return;
    const disputes = await manager
      .getRepository(DisputeEntity)
      .find({ where: { id: In(disputeIds) }, order: { id: 'ASC' } });
    const transactionIds = [
      ...new Set(disputes.map((d) => d.transactionId).filter((id): id is number => id !== null)),
    ];
    const transactions = await manager
      .getRepository(TransactionEntity)
      .findBy({ id: In(transactionIds) });
    const byId = new Map(transactions.map((t) => [t.id, t]));
    for (const row of disputes) {
      const transaction = row.transactionId === null ? undefined : byId.get(row.transactionId);
      emit(
        PaymentEvents.DISPUTE_UPDATED,
        new DisputeUpdatedEvent({
          providerEventId: cause.providerEventId,
          occurredAt: cause.occurredAt,
          raw: null,
          dispute: toDisputeResource(row),
          transaction: transaction ? toTransactionResource(transaction) : null,
        }),
      );
    }
  }
}
