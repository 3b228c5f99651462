import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import type { DataSource, QueryRunner } from 'typeorm';
import { withSessionAdvisoryLock } from '../database/advisory-lock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import {
  InjectPaymentProvider,
  type PaymentProvider,
} from '../payment-provider/payment-provider.interface';
import type { ProviderEvent, StaleObjectRef } from '../payment-provider/payment-provider.types';
import { WebhooksService } from '../webhooks/webhooks.service';

export const RECONCILE_JOB_NAME = 'reconcile';
/** One run at a time across instances: a session advisory lock for the whole run. */
const LOCK_KEY = 'payment:reconcile';
const PAGE_SIZE = 100;
/** Stale rows looked up per run (each is one provider call). */
const SETTLE_LIMIT = 200;

export type ReconcileTrigger = 'cli' | 'schedule';

export interface ReconcileOptions {
  /** List events created at or after this time (default: now minus RECONCILE_LOOKBACK). */
  since?: Date;
  trigger?: ReconcileTrigger;
}

export interface ReconcileSummary {
  /** true: another instance was running reconciliation; this run did nothing. */
  skipped: boolean;
  runId: number | null;
  since: Date;
  /** When a run interrupted by a crash was resumed from its cursor: that run's id. */
  resumedRunId: number | null;
  listed: number;
  /** Already in the inbox and done (processed or ignored), or delivered meanwhile. */
  alreadyHad: number;
  /** Passed through the inbox by this run and applied. */
  applied: string[];
  /** Passed through the inbox by this run, of a type the service does not act on. */
  ignored: number;
  /** Passed through the inbox and failed (the inbox row says why; `webhooks replay` retries). */
  failed: string[];
  /**
   * Stale rows brought in step: checkout sessions still open past their expiry, payments
   * pending longer than RECONCILE_PENDING_AFTER, looked up at the provider (their ids).
   */
  settled: string[];
  durationMs: number;
}

export interface LastReconcileRun {
  id: number;
  finished_at: string;
  since: string;
  listed: number;
  applied: number;
  failed: number;
}

interface RunRow {
  id: string;
  since: Date;
  cursor_occurred_at: Date | null;
}

/**
 * Reconciliation (DESIGN §6.1, issue 15): lists the provider's events created
 * since a time and passes every one not yet done in the inbox through the
 * inbox path a delivery takes (WebhooksService.ingest: same dedupe, row lock,
 * ordering guards and durable domain events), oldest first, recorded with
 * `source = 'reconcile'`.
 *
 * One run at a time across instances (a session advisory lock on a dedicated
 * connection). Safe while webhooks keep arriving: a delivery and the run meet
 * on the inbox's unique key and row lock, so an event is applied once whoever
 * gets there first. Resumable: each run is a payment_reconcile_run row whose
 * cursor (the time of the last event it finished) is saved after every event;
 * a run that finds an unfinished one (its instance died) starts from that cursor.
 */
@Injectable()
export class ReconcileService {
  private readonly logger = new Logger(ReconcileService.name);

  constructor(
    @InjectPaymentDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectPaymentProvider() private readonly provider: PaymentProvider,
    private readonly webhooks: WebhooksService,
    private readonly metrics: MetricsService,
  ) {}

  /** One run; counted in payments_job_runs_total{job="reconcile"}. */
  run(options: ReconcileOptions = {}): Promise<ReconcileSummary> {
    return this.metrics.timeJob(
      RECONCILE_JOB_NAME,
      () => this.runOnce(options),
      (summary) => (summary.skipped ? 'skipped' : 'succeeded'),
    );
  }

  /** The last run that finished successfully (shown by /health/ready); null before the first. */
  async lastSuccessfulRun(): Promise<LastReconcileRun | null> {
    const rows: {
      id: string;
      finished_at: Date;
      since: Date;
      listed: number;
      applied: number;
      failed: number;
    }[] = await this.dataSource.query(
      `SELECT id::text AS id, finished_at, since, listed, applied, failed
         FROM payment_reconcile_run WHERE status = 'succeeded'
        ORDER BY finished_at DESC LIMIT 1`,
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: Number(row.id),
      finished_at: row.finished_at.toISOString(),
      since: row.since.toISOString(),
      listed: row.listed,
      applied: row.applied,
      failed: row.failed,
    };
  }

  private async runOnce(options: ReconcileOptions): Promise<ReconcileSummary> {
    const started = Date.now();
    const requestedSince =
      options.since ?? new Date(started - this.config.reconcile.lookbackSeconds * 1000);
    const summary: ReconcileSummary = {
      skipped: false,
      runId: null,
      since: requestedSince,
      resumedRunId: null,
      listed: 0,
      alreadyHad: 0,
      applied: [],
      ignored: 0,
      failed: [],
      settled: [],
      durationMs: 0,
    };
    const run = await withSessionAdvisoryLock(
      this.dataSource,
      LOCK_KEY,
      (runner) => this.reconcile(runner, options.trigger ?? 'cli', summary),
      (error) =>
        this.logger.error({
          msg: 'could not release the reconciliation lock',
          error: (error as Error)?.message ?? String(error),
        }),
    );
    if (!run.locked) {
      this.logger.log({ msg: 'reconciliation already running on another instance; skipped' });
      return { ...summary, skipped: true, durationMs: Date.now() - started };
    }
    summary.durationMs = Date.now() - started;
    this.logger.log({
      msg: 'reconciliation finished',
      run_id: summary.runId,
      since: summary.since.toISOString(),
      resumed_run_id: summary.resumedRunId,
      listed: summary.listed,
      already_had: summary.alreadyHad,
      applied: summary.applied.length,
      applied_event_ids: summary.applied,
      ignored: summary.ignored,
      failed: summary.failed.length,
      failed_event_ids: summary.failed,
      settled: summary.settled,
      duration_ms: summary.durationMs,
    });
    return summary;
  }

  /** Under the lock: every other 'running' row is a run whose instance died. */
  private async reconcile(
    runner: QueryRunner,
    trigger: ReconcileTrigger,
    summary: ReconcileSummary,
  ): Promise<void> {
    const interrupted = (
      (await runner.query(
        `SELECT id::text AS id, since, cursor_occurred_at FROM payment_reconcile_run
        WHERE status = 'running' ORDER BY id DESC LIMIT 1`,
      )) as RunRow[]
    )[0];
    let since = summary.since;
    // Resume: what the interrupted run finished is before its cursor (and was listed from its `since`).
    if (interrupted?.cursor_occurred_at && interrupted.since <= since) {
      if (interrupted.cursor_occurred_at > since) since = interrupted.cursor_occurred_at;
      summary.resumedRunId = Number(interrupted.id);
    }
    summary.since = since;
    const [{ id }] = (await runner.query(
      `INSERT INTO payment_reconcile_run (trigger, since) VALUES ($1, $2) RETURNING id::text AS id`,
      [trigger, since],
    )) as { id: string }[];
    summary.runId = Number(id);
    await runner.query(
      `UPDATE payment_reconcile_run SET status = 'failed', finished_at = now(),
              error = 'interrupted (its instance stopped); continued by run ' || $1
        WHERE status = 'running' AND id <> $1`,
      [summary.runId],
    );
    try {
      const events = await this.listSince(since, summary);
      summary.listed += events.length;
      const done = await this.doneInInbox(events.map((event) => event.id));
      for (const event of events) {
        if (done.has(event.id)) summary.alreadyHad++;
        else await this.apply(event, summary);
        await runner.query(
          `UPDATE payment_reconcile_run SET cursor_occurred_at = $2, listed = $3, already_had = $4,
                  applied = $5, failed = $6, failed_event_ids = $7::jsonb WHERE id = $1`,
          [
            summary.runId,
            event.occurredAt,
            summary.listed,
            summary.alreadyHad,
            summary.applied.length,
            summary.failed.length,
            JSON.stringify(summary.failed),
          ],
        );
      }
      await this.settle(summary);
      await runner.query(
        `UPDATE payment_reconcile_run SET status = 'succeeded', finished_at = now(), listed = $2,
                already_had = $3, applied = $4, failed = $5, failed_event_ids = $6::jsonb,
                settled = $7 WHERE id = $1`,
        [
          summary.runId,
          summary.listed,
          summary.alreadyHad,
          summary.applied.length,
          summary.failed.length,
          JSON.stringify(summary.failed),
          summary.settled.length,
        ],
      );
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      await runner
        .query(
          `UPDATE payment_reconcile_run SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1`,
          [summary.runId, message.slice(0, 2000)],
        )
        .catch(() => undefined);
      this.logger.error({ msg: 'reconciliation failed', run_id: summary.runId, error: message });
      throw error;
    }
  }

  /**
   * What the provider knows better than we do: sessions still `open` past their
   * expiry and payments `pending` for longer than RECONCILE_PENDING_AFTER are
   * looked up; a state that moved on comes back as the provider's event for it
   * and passes through the inbox like any other.
   */
  private async settle(summary: ReconcileSummary): Promise<void> {
    const sessions: { id: string }[] = await this.dataSource.query(
      `SELECT provider_session_id AS id FROM payment_checkout_session
        WHERE provider = $1 AND status = 'open' AND expires_at < now()
        ORDER BY expires_at LIMIT $2`,
      [this.provider.name, SETTLE_LIMIT],
    );
    const payments: { id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT provider_payment_intent_id AS id FROM payment_transaction
        WHERE provider = $1 AND type = 'charge' AND status = 'pending'
          AND provider_payment_intent_id IS NOT NULL
          AND created_at < now() - make_interval(secs => $2)
        LIMIT $3`,
      [this.provider.name, this.config.reconcile.pendingAfterSeconds, SETTLE_LIMIT],
    );
    const refs: StaleObjectRef[] = [
      ...sessions.map(({ id }) => ({ kind: 'checkout_session' as const, id })),
      ...payments.map(({ id }) => ({ kind: 'payment' as const, id })),
    ];
    for (const ref of refs) {
      let event: ProviderEvent | null;
      try {
        event = await this.provider.currentStateEvent(ref);
      } catch (error) {
        summary.failed.push(ref.id);
        this.logger.warn({
          msg: 'reconciliation could not look up a stale row',
          kind: ref.kind,
          id: ref.id,
          error: (error as Error)?.message ?? String(error),
        });
        continue;
      }
      if (!event) continue;
      try {
        if ((await this.webhooks.ingest(event, 'reconcile')) === 'processed')
          summary.settled.push(ref.id);
      } catch (error) {
        summary.failed.push(event.id);
        this.logger.warn({
          msg: 'reconciliation could not settle a stale row',
          event_id: event.id,
          error: (error as Error)?.message ?? String(error),
        });
      }
    }
  }

  /** Every page, then oldest first (providers list newest first); each event once. */
  private async listSince(since: Date, summary: ReconcileSummary): Promise<ProviderEvent[]> {
    const events: ProviderEvent[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.provider.listEvents({ since, cursor, limit: PAGE_SIZE });
      for (const { id, error } of page.unreadable) {
        if (seen.has(id)) continue;
        seen.add(id);
        summary.listed++;
        summary.failed.push(id);
        this.logger.warn({
          msg: 'reconciliation could not read a listed event',
          event_id: id,
          error,
        });
      }
      for (const event of page.events) {
        if (seen.has(event.id)) continue;
        seen.add(event.id);
        events.push(event);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return events.reverse();
  }

  /** Ids already processed or ignored in the inbox (received or failed rows are passed through again). */
  private async doneInInbox(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { provider_event_id: string }[] = await this.dataSource.query(
      `SELECT provider_event_id FROM payment_webhook_event
        WHERE provider = $1 AND provider_event_id = ANY($2::text[]) AND status IN ('processed', 'ignored')`,
      [this.provider.name, ids],
    );
    return new Set(rows.map((row) => row.provider_event_id));
  }

  private async apply(event: ProviderEvent, summary: ReconcileSummary): Promise<void> {
    try {
      const outcome = await this.webhooks.ingest(event, 'reconcile');
      if (outcome === 'processed') summary.applied.push(event.id);
      else if (outcome === 'ignored') summary.ignored++;
      // A delivery of the same event got there first.
      else summary.alreadyHad++;
    } catch (error) {
      summary.failed.push(event.id);
      this.logger.warn({
        msg: 'reconciliation could not apply an event',
        event_id: event.id,
        type: event.type,
        error: (error as Error)?.message ?? String(error),
      });
    }
  }
}
