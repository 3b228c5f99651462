import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { SettlementJob, type Settler } from '../events/settlement-job';
import { RefundReservations } from './refund-reservations';
import { RefundsService, type RetriedRefund } from './refunds.service';

/** A pending refund not marked "outcome unknown" is settled once untouched this long (its request died mid-call). */
export const STALE_PENDING_MS = 2 * 60_000;
const BATCH = 100;

export interface RefundSettleSummary {
  /** true when another instance was running the settling job: this run did nothing. */
  skipped: boolean;
  /** Each refund this run settled (or tried to), with the error when it is still unsettled. */
  refunds: RetriedRefund[];
}

/**
 * The refunds' part of the settling job (SettlementJob, DESIGN §6.3, §9). A refund whose
 * provider call had an unknown outcome (timeout, reset after sending, 5xx) was answered 202 and
 * kept `pending` with its amount reserved; each pass re-sends it with the row's own idempotency
 * key — so the provider makes it at most once — or, once the provider's idempotency window has
 * passed, looks it up at the provider instead (RefundsService.settle), until it is settled.
 */
@Injectable()
export class RefundSettlementJob implements Settler, OnModuleInit {
  readonly name = 'refunds';
  private readonly logger = new Logger(RefundSettlementJob.name);

  constructor(
    private readonly settlement: SettlementJob,
    private readonly reservations: RefundReservations,
    private readonly refunds: RefundsService,
  ) {}

  onModuleInit(): void {
    this.settlement.register(this);
  }

  /** One pass of the whole settling job (every feature's part), reporting the refunds'. */
  async run(options: { now?: Date } = {}): Promise<RefundSettleSummary> {
    const run = await this.settlement.run(options);
    const refunds = (run.results[this.name] as RetriedRefund[] | undefined) ?? [];
    return { skipped: run.skipped, refunds };
  }

  /** One job per tick, whichever instance gets there first; true when this call enqueued it. */
  enqueueTick(tick?: Date): Promise<boolean> {
    return this.settlement.enqueueTick(tick);
  }

  async settle(now: Date): Promise<RetriedRefund[]> {
    const rows = await this.reservations.toSettle(
      new Date(now.getTime() - STALE_PENDING_MS),
      BATCH,
    );
    const refunds = await this.refunds.settle(rows, now);
    for (const result of refunds) {
      if (result.error) {
        this.logger.warn({
          msg: 'refund still unsettled',
          refund_id: result.refund.id,
          error: result.error,
        });
      }
    }
    return refunds;
  }
}
