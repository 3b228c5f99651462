import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import { DataSource, IsNull, LessThan, Not, type EntityManager } from 'typeorm';
import { ConflictError, DomainError } from '../common/domain-error';
import { EventOutbox } from '../events/event-outbox';
import type { DomainEvent } from '../events/payment-event-map';
import { ProviderError } from '../payment-provider/payment-provider.errors';
import type { RefundSnapshot } from '../payment-provider/payment-provider.types';
import { TransactionEntity } from '../transactions/entities/transaction.entity';
import {
  adoptOrphanRefunds,
  lockRefundById,
  lockRefundByProviderId,
  lockTransaction,
  recomputeCharge,
  refundsOf,
} from './refund-ledger';
import { isRefundable, nextRefundStatus, remainingRefundable } from './refund-math';
import { RefundAmountError } from './refunds.errors';

export interface ReserveRequest {
  amount?: number;
  reason?: string;
  /** Our form of the client's Idempotency-Key, or null. */
  idempotencyKey: string | null;
}

export interface Reservation {
  refund: TransactionEntity;
  charge: TransactionEntity;
  /** The row was there already (a retry with the same Idempotency-Key). */
  existing: boolean;
}

export interface ConfirmedRefund {
  refund: TransactionEntity;
  charge: TransactionEntity;
  /** true when this call recorded the provider's first answer for the row. */
  firstAnswer: boolean;
}

/** The key a refund without a client key is sent with: one per row, so a retry of the call is safe. */
export const rowIdempotencyKey = (rowId: number): string => `refund-${rowId}`;

/**
 * The database steps of a refund through our API, each its own transaction
 * that locks the charge first: reserve the amount before the provider call,
 * then confirm the provider's answer or release the amount.
 */
@Injectable()
export class RefundReservations {
  private readonly logger = new Logger(RefundReservations.name);

  constructor(
    @InjectPaymentDataSource() private readonly dataSource: DataSource,
    private readonly outbox: EventOutbox,
  ) {}

  /** Before the provider call: checks, and the `pending` row that reserves the amount. */
  async reserve(transactionId: number, request: ReserveRequest): Promise<Reservation> {
    const clientKey = request.idempotencyKey;
    const outcome = await this.dataSource
      .transaction(async (manager): Promise<Reservation | DomainError> => {
        let charge = await lockTransaction(manager, transactionId);
        if (clientKey) {
          const existing = await manager.findOne(TransactionEntity, {
            where: { idempotencyKey: clientKey },
            lock: { mode: 'pessimistic_write' },
          });
          if (existing) {
            this.checkReplay(existing, transactionId, request);
            return { refund: existing, charge, existing: true };
          }
        }
        if (charge.type !== 'charge') {
          throw new ConflictError(
            `Transaction ${charge.id} is a refund; only charges can be refunded`,
          );
        }
        // Refunds that arrived before this charge row count from now on, even if this request is refused.
        await adoptOrphanRefunds(manager, charge);
        charge = await recomputeCharge(manager, charge);
        const remaining = remainingRefundable(charge.amount, await refundsOf(manager, charge.id));
        const amount = request.amount ?? remaining;
        const refusal = refusalOf(charge, amount, remaining);
        if (refusal) return refusal;
        const refund = await this.insertPending(
          manager,
          charge,
          amount,
          request.reason,
          clientKey,
          requestFingerprint(transactionId, request),
        );
        charge = await recomputeCharge(manager, charge);
        return { refund, charge, existing: false };
      })
      .catch((error: unknown) => {
        // The same key sent at once for two different charges: the unique index lets one through.
        if (isUniqueViolation(error, 'uq_payment_transaction_idempotency_key')) {
          throw new ConflictError('This Idempotency-Key is being used by another refund request');
        }
        throw error;
      });
    if (outcome instanceof DomainError) throw outcome;
    return outcome;
  }

  /**
   * A retried request must be the same request: the same charge, amount (or the
   * same "whatever remains") and reason. Rows made before fingerprints existed
   * are compared by charge and amount.
   */
  private checkReplay(
    existing: TransactionEntity,
    transactionId: number,
    request: ReserveRequest,
  ): void {
    const differs = existing.requestFingerprint
      ? existing.requestFingerprint !== requestFingerprint(transactionId, request)
      : existing.parentTransactionId !== transactionId ||
        (request.amount !== undefined && request.amount !== existing.amount);
    if (differs) {
      throw new ConflictError(
        `This Idempotency-Key was already used for a different refund request (refund ${existing.id})`,
      );
    }
  }

  private async insertPending(
    manager: EntityManager,
    charge: TransactionEntity,
    amount: number,
    reason: string | undefined,
    clientKey: string | null,
    fingerprint: string,
  ): Promise<TransactionEntity> {
    const repository = manager.getRepository(TransactionEntity);
    const row = await repository.save(
      repository.create({
        provider: charge.provider,
        type: 'refund',
        status: 'pending',
        amount,
        amountRefunded: 0,
        currency: charge.currency,
        description: charge.description,
        reason: reason?.trim() ? reason : null,
        customerId: charge.customerId,
        customerRef: charge.customerRef,
        providerPaymentIntentId: charge.providerPaymentIntentId,
        providerChargeId: charge.providerChargeId,
        parentTransactionId: charge.id,
        metadata: {},
        idempotencyKey: clientKey,
        requestFingerprint: clientKey ? fingerprint : null,
      }),
    );
    if (!clientKey) {
      row.idempotencyKey = rowIdempotencyKey(row.id);
      await repository.update(row.id, { idempotencyKey: row.idempotencyKey });
    }
    return row;
  }

  /**
   * Refunds still waiting for the provider's first answer (no provider refund
   * id, pending) and untouched since `before`: their outcome is unknown.
   */
  unsettled(before: Date): Promise<TransactionEntity[]> {
    return this.dataSource.getRepository(TransactionEntity).find({
      where: {
        type: 'refund',
        status: 'pending',
        providerRefundId: IsNull(),
        parentTransactionId: Not(IsNull()),
        updatedAt: LessThan(before),
      },
      order: { id: 'ASC' },
      take: 500,
    });
  }

  /**
   * What the settling job takes: refunds whose outcome is known to be unknown
   * (marked by the failed call), and any other pending refund without a
   * provider id untouched since `staleBefore` (a process that died mid-call).
   */
  toSettle(staleBefore: Date, limit: number): Promise<TransactionEntity[]> {
    return this.dataSource
      .getRepository(TransactionEntity)
      .createQueryBuilder('t')
      .where(`t.type = 'refund' AND t.status = 'pending' AND t.provider_refund_id IS NULL`)
      .andWhere('t.parent_transaction_id IS NOT NULL')
      .andWhere(`(t.metadata ? :marker OR t.updated_at < :stale)`, {
        marker: OUTCOME_UNKNOWN_SINCE,
        stale: staleBefore,
      })
      .orderBy('t.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** The charge of a refund row, as stored now. */
  chargeOf(refund: TransactionEntity): Promise<TransactionEntity> {
    return this.dataSource
      .getRepository(TransactionEntity)
      .findOneByOrFail({ id: refund.parentTransactionId as number });
  }

  /**
   * After the provider's answer: its refund id and status on our row; the charge
   * recomputed; the events `announce` returns written to the outbox in the same
   * transaction.
   */
  confirm(
    reserved: TransactionEntity,
    snapshot: RefundSnapshot,
    announce: (confirmed: ConfirmedRefund) => DomainEvent[] = () => [],
  ): Promise<ConfirmedRefund> {
    return this.outbox.transaction(async (manager, emit) => {
      const charge = await lockTransaction(manager, reserved.parentTransactionId as number);
      const twin = await lockRefundByProviderId(manager, reserved.provider, snapshot.id);
      const row = await lockRefundById(manager, reserved.provider, reserved.id);
      if (!row) throw new Error(`refund row ${reserved.id} vanished`);
      const firstAnswer = row.providerRefundId === null;
      // A row the provider already told us about (a webhook) holds a confirmed status.
      let status = nextRefundStatus(
        row.status,
        snapshot.status,
        row.providerRefundId !== null || row.providerUpdatedAt !== null,
      );
      let providerUpdatedAt = row.providerUpdatedAt;
      if (twin && twin.id !== row.id) {
        // A webhook recorded this refund before we knew its id and could not match it to our row:
        // keep one row — ours, which the client and the idempotency key know — with the newer state.
        this.logger.warn({
          msg: 'merging a refund recorded twice',
          refund_id: row.id,
          duplicate_id: twin.id,
          provider_refund_id: snapshot.id,
        });
        status = nextRefundStatus(status, twin.status as RefundSnapshot['status'], true);
        if (
          twin.providerUpdatedAt &&
          (!providerUpdatedAt || twin.providerUpdatedAt > providerUpdatedAt)
        ) {
          providerUpdatedAt = twin.providerUpdatedAt;
        }
        await manager.delete(TransactionEntity, twin.id);
      }
      await manager.update(TransactionEntity, row.id, {
        providerRefundId: snapshot.id,
        status,
        providerUpdatedAt,
        providerPaymentIntentId: row.providerPaymentIntentId ?? snapshot.paymentIntentId,
        providerChargeId: row.providerChargeId ?? snapshot.chargeId,
      });
      const updatedCharge = await recomputeCharge(manager, charge);
      const refund = await manager.findOneByOrFail(TransactionEntity, { id: row.id });
      const confirmed = { refund, charge: updatedCharge, firstAnswer };
      for (const event of announce(confirmed)) emit(event.name, event.payload);
      return confirmed;
    });
  }

  /**
   * The provider made nothing (DESIGN §6.3, §9), and the row never had an
   * unknown outcome: its amount is released. Refused (an invalid request): the
   * row becomes `failed` with the provider's reason, and a retry with the same
   * Idempotency-Key answers the same refusal. Not sent (nothing reached the
   * provider): the row is removed, so a retry — with the same key or none —
   * starts afresh. Returns false when the row has moved on meanwhile.
   */
  async release(reserved: TransactionEntity, error: ProviderError): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const charge = await lockTransaction(manager, reserved.parentTransactionId as number);
      const row = await lockRefundById(manager, reserved.provider, reserved.id);
      if (!row || row.providerRefundId !== null || row.status !== 'pending') return false;
      if (row.metadata[OUTCOME_UNKNOWN_SINCE] !== undefined) return false;
      if (error.outcome === 'not_sent') {
        await manager.delete(TransactionEntity, row.id);
      } else {
        await manager.update(TransactionEntity, row.id, {
          status: 'failed',
          metadata: {
            ...row.metadata,
            failure_code: error.code,
            failure_message: error.message.slice(0, 500),
          },
        });
      }
      await recomputeCharge(manager, charge);
      return true;
    });
  }

  /**
   * The provider has no such refund, looked up after its idempotency window (every attempt
   * ended long ago): it was never made. The row becomes `failed` with that reason and the
   * charge is recomputed without it. Returns the row as it stands.
   */
  async markNeverMade(reserved: TransactionEntity): Promise<TransactionEntity> {
    this.logger.warn({
      msg: 'refund with an unknown outcome was never made at the provider; marked failed',
      refund_id: reserved.id,
    });
    return this.dataSource.transaction(async (manager) => {
      const charge = await lockTransaction(manager, reserved.parentTransactionId as number);
      const row = await lockRefundById(manager, reserved.provider, reserved.id);
      if (!row) return reserved;
      if (row.providerRefundId !== null || row.status !== 'pending') return row;
      await manager.update(TransactionEntity, row.id, {
        status: 'failed',
        metadata: {
          ...row.metadata,
          failure_code: 'conflict',
          failure_message: `Refund ${row.id} was never made by the payment provider (its outcome was unknown, and the provider had no such refund when it was looked up); nothing was refunded — send a new request with a new Idempotency-Key`,
        },
      });
      await recomputeCharge(manager, charge);
      return manager.findOneByOrFail(TransactionEntity, { id: row.id });
    });
  }

  /**
   * The provider may have made the refund (timeout, reset after sending, 5xx):
   * the row stays `pending` with its amount reserved and is marked for the
   * settling job, which re-sends it with the row's own key until it is settled.
   */
  async markUnknown(reserved: TransactionEntity, error: unknown): Promise<TransactionEntity> {
    this.logger.warn({
      msg: 'refund outcome unknown; kept pending for the settling job',
      refund_id: reserved.id,
      error: (error as Error)?.message,
    });
    return this.dataSource.transaction(async (manager) => {
      const row = await lockRefundById(manager, reserved.provider, reserved.id);
      if (!row) return reserved;
      if (row.providerRefundId !== null || row.status !== 'pending') return row;
      const metadata = {
        ...row.metadata,
        [OUTCOME_UNKNOWN_SINCE]: row.metadata[OUTCOME_UNKNOWN_SINCE] ?? new Date().toISOString(),
        settle_attempts: String(Number(row.metadata.settle_attempts ?? '0') + 1),
        last_provider_error: ((error as Error)?.message ?? String(error)).slice(0, 500),
      };
      await manager.update(TransactionEntity, row.id, { metadata });
      return manager.findOneByOrFail(TransactionEntity, { id: row.id });
    });
  }
}

/** Metadata key on a refund row whose provider call had an unknown outcome (ISO time). */
export const OUTCOME_UNKNOWN_SINCE = 'outcome_unknown_since';

/** A refund whose provider outcome is not known yet: pending, no provider refund id. */
export function isSettling(refund: TransactionEntity): boolean {
  return (
    refund.type === 'refund' && refund.status === 'pending' && refund.providerRefundId === null
  );
}

/** Why a charge cannot be refunded by `amount` (a 4xx, no provider call), or null. */
function refusalOf(
  charge: TransactionEntity,
  amount: number,
  remaining: number,
): DomainError | null {
  if (!isRefundable(charge.status)) {
    const state =
      charge.status === 'refunded' ? 'is already fully refunded' : `is ${charge.status}`;
    return new ConflictError(
      `Transaction ${charge.id} ${state}; only succeeded or partially refunded charges can be refunded`,
      {
        status: charge.status,
        remaining_amount: remaining,
        currency: charge.currency,
      },
    );
  }
  if (!charge.providerPaymentIntentId && !charge.providerChargeId) {
    return new ConflictError(`Transaction ${charge.id} has no provider payment to refund`);
  }
  if (amount <= 0 || amount > remaining) {
    const where = `refundable on transaction ${charge.id}`;
    return new RefundAmountError(
      amount > remaining
        ? `amount ${amount} exceeds the ${remaining} ${charge.currency} that remains ${where}`
        : `amount must be positive; ${remaining} ${charge.currency} remains ${where}`,
      remaining,
      charge.currency,
    );
  }
  return null;
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } })
    ?.driverError;
  return driverError?.code === '23505' && driverError.constraint === constraint;
}

/** What makes two refund requests "the same" for an Idempotency-Key replay. */
function requestFingerprint(transactionId: number, request: ReserveRequest): string {
  const canonical = JSON.stringify([
    transactionId,
    request.amount ?? null,
    request.reason?.trim() || null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
