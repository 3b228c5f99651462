import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ValidationError, type ErrorCode } from '../common/domain-error';
import type { DomainEvent } from '../events/payment-event-map';
import { PaymentEvents } from '../events/payment-events';
import {
  IDEMPOTENCY_WINDOW_MS,
  InjectPaymentProvider,
  type PaymentProvider,
} from '../payment-provider/payment-provider.interface';
import type { Metadata, RefundSnapshot } from '../payment-provider/payment-provider.types';
import type { TransactionEntity } from '../transactions/entities/transaction.entity';
import { toTransactionResource } from '../transactions/transaction.resource';
import {
  MAX_REASON_LENGTH,
  REFUND_REASON_METADATA_KEY,
  REFUND_ROW_METADATA_KEY,
} from './refund-metadata';
import { splitRefundReason } from './refund-math';
import { ProviderError } from '../payment-provider/payment-provider.errors';
import { isSettling, RefundReservations, rowIdempotencyKey } from './refund-reservations';
import { RefundCreatedEvent } from './refunds.events';

export interface RefundRequest {
  /** Minor units; omitted = what remains. */
  amount?: number;
  /** Free text; forwarded to the provider only when it is one of the values it accepts. */
  reason?: string;
  /** The client's Idempotency-Key header: a retry with it returns the same refund. */
  idempotencyKey?: string;
}

export interface RefundResult {
  refund: TransactionEntity;
  charge: TransactionEntity;
  /** true when an earlier request with the same Idempotency-Key made this refund. */
  replayed: boolean;
  /**
   * The provider's outcome is not known (the call timed out or broke after
   * sending): the refund is `pending` and the settling job owns it. HTTP 202.
   */
  settling: boolean;
}

export interface RetriedRefund {
  refund: TransactionEntity;
  /** null when the provider answered; its error otherwise (the refund stays pending or failed). */
  error: string | null;
}

/** Prefixes keep our keys apart from other features' keys on the same provider account. */
const CLIENT_KEY_PREFIX = 'refund-client-';
/** Printable ASCII, as Stripe accepts; short enough to stay under 255 with our prefix. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * Refunds through our API (DESIGN §6.3), in three steps so that no provider
 * call runs inside a database transaction:
 * 1. reserve: lock the charge, check, insert the refund row `pending` (its
 *    amount now counts against the charge, so concurrent requests serialise on
 *    the lock and never exceed it);
 * 2. call the provider with an idempotency key;
 * 3. record its answer (or release the reservation on a definite failure).
 */
@Injectable()
export class RefundsService {
  private readonly logger = new Logger(RefundsService.name);

  constructor(
    private readonly reservations: RefundReservations,
    @InjectPaymentProvider() private readonly provider: PaymentProvider,
  ) {}

  async refund(transactionId: number, request: RefundRequest): Promise<RefundResult> {
    if (request.idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(request.idempotencyKey)) {
      const problem = 'must be 1 to 200 printable ASCII characters without spaces';
      throw new ValidationError(`Idempotency-Key ${problem}`, { 'Idempotency-Key': [problem] });
    }
    // The DTO checks HTTP bodies; in-process callers (event listeners) come straight here.
    if (request.reason !== undefined && request.reason.length > MAX_REASON_LENGTH) {
      const problem = `must be shorter than or equal to ${MAX_REASON_LENGTH} characters`;
      throw new ValidationError(`reason ${problem}`, { reason: [problem] });
    }
    const clientKey = request.idempotencyKey
      ? `${CLIENT_KEY_PREFIX}${request.idempotencyKey}`
      : null;
    const reservation = await this.reservations.reserve(transactionId, {
      amount: request.amount,
      reason: request.reason,
      idempotencyKey: clientKey,
    });
    const { refund } = reservation;
    if (reservation.existing && refund.providerRefundId === null && refund.status === 'failed') {
      // The provider refused the first request: a retry gets the same refusal.
      throw new DomainError(
        (refund.metadata.failure_code as ErrorCode | undefined) ?? 'provider_invalid_request',
        refund.metadata.failure_message ?? 'The payment provider refused this refund',
      );
    }
    // A retry: the same row, no second call. A row still waiting for the provider's outcome
    // is settled by the service (the settling job), never by the client's retry.
    if (reservation.existing) {
      return { ...reservation, replayed: true, settling: isSettling(refund) };
    }

    const sent = await this.send(refund, false);
    return { ...sent, replayed: false };
  }

  /**
   * Sends again the refunds whose outcome is unknown (the provider timed out or
   * failed on our first call) and that no webhook has settled since: each with
   * its own idempotency key, so the provider makes it at most once. Without
   * this, a keyless request's reservation would stay pending for good.
   */
  async retryPending(olderThanMinutes: number): Promise<RetriedRefund[]> {
    const stale = await this.reservations.unsettled(
      new Date(Date.now() - olderThanMinutes * 60_000),
    );
    return this.settle(stale);
  }

  /**
   * Settles each refund: sent again with its own key while the provider still remembers the key
   * (IDEMPOTENCY_WINDOW_MS since the row, and so its first call, was made); past that, looked up
   * at the provider by our row id in its metadata instead, so it is never made twice. Used by
   * the settling job and the CLI.
   */
  async settle(stale: TransactionEntity[], now: Date = new Date()): Promise<RetriedRefund[]> {
    const results: RetriedRefund[] = [];
    for (const refund of stale) {
      try {
        const { refund: settled } =
          now.getTime() - refund.createdAt.getTime() >= IDEMPOTENCY_WINDOW_MS
            ? await this.lookUp(refund)
            : await this.send(refund, true);
        results.push({
          refund: settled,
          error: isSettling(settled) ? (settled.metadata.last_provider_error ?? null) : null,
        });
      } catch (error) {
        results.push({ refund, error: (error as Error).message });
      }
    }
    return results;
  }

  /** Steps 2 and 3: the provider call with the row's key, then its answer recorded and announced once. */
  private async send(
    refund: TransactionEntity,
    retry: boolean,
  ): Promise<{ refund: TransactionEntity; charge: TransactionEntity; settling: boolean }> {
    let snapshot: RefundSnapshot;
    try {
      snapshot = await this.provider.createRefund({
        paymentIntentId: refund.providerPaymentIntentId,
        chargeId: refund.providerChargeId,
        amount: refund.amount,
        reason: splitRefundReason(refund.reason).providerReason,
        metadata: this.providerMetadata(refund),
        idempotencyKey: refund.idempotencyKey ?? rowIdempotencyKey(refund.id),
      });
    } catch (error) {
      // Nothing made at the provider: release the amount and let the caller see the error
      // (503 not sent: a retry is safe; 400 refused). A row that once had an unknown outcome
      // is never released on a later "not sent": its first call may have made the refund.
      // A re-send (settling) whose call was "not sent" proves nothing about the first call.
      const nothingMade =
        error instanceof ProviderError &&
        (error.outcome === 'refused' || (error.outcome === 'not_sent' && !retry));
      if (nothingMade) {
        if (await this.reservations.release(refund, error)) throw error;
      }
      // Outcome unknown: kept pending and reserved; the settling job finishes it.
      const kept = await this.reservations.markUnknown(refund, error);
      const charge = await this.reservations.chargeOf(kept);
      return { refund: kept, charge, settling: isSettling(kept) };
    }

    // Announced once, with the answer's commit: by the request that made the row, or by the
    // retry that got the first answer.
    const recorded = await this.reservations.confirm(refund, snapshot, (confirmed) =>
      !retry || confirmed.firstAnswer
        ? [this.refundCreated(confirmed.refund, confirmed.charge)]
        : [],
    );
    return { refund: recorded.refund, charge: recorded.charge, settling: false };
  }

  /**
   * Past the idempotency window: the provider's list of the payment's refunds says whether it
   * made this one (our row id in its metadata). Found: recorded as a re-send's answer would be.
   * Not found: it was never made (every attempt ended long ago), so the row fails and its
   * amount is released.
   */
  private async lookUp(
    refund: TransactionEntity,
  ): Promise<{ refund: TransactionEntity; charge: TransactionEntity; settling: boolean }> {
    const snapshot = await this.provider.findRefund({
      paymentIntentId: refund.providerPaymentIntentId,
      chargeId: refund.providerChargeId,
      metadata: { [REFUND_ROW_METADATA_KEY]: String(refund.id) },
    });
    if (snapshot === null) {
      const failed = await this.reservations.markNeverMade(refund);
      return { refund: failed, charge: await this.reservations.chargeOf(failed), settling: false };
    }
    const recorded = await this.reservations.confirm(refund, snapshot, (confirmed) =>
      confirmed.firstAnswer ? [this.refundCreated(confirmed.refund, confirmed.charge)] : [],
    );
    return { refund: recorded.refund, charge: recorded.charge, settling: false };
  }

  private refundCreated(refund: TransactionEntity, charge: TransactionEntity): DomainEvent {
    return {
      name: PaymentEvents.REFUND_CREATED,
      payload: new RefundCreatedEvent({
        refund: toTransactionResource(refund),
        charge: toTransactionResource(charge),
        providerEventId: null,
        occurredAt: refund.updatedAt,
        raw: null,
      }),
    };
  }

  private providerMetadata(refund: TransactionEntity): Metadata {
    const { reasonText } = splitRefundReason(refund.reason);
    const metadata: Metadata = { [REFUND_ROW_METADATA_KEY]: String(refund.id) };
    if (reasonText) metadata[REFUND_REASON_METADATA_KEY] = reasonText;
    return metadata;
  }
}
