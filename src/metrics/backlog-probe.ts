/**
 * Supplies the outbox backlog to GET /metrics. Optional: provide it under
 * BACKLOG_PROBE (e.g. from the events module) and the gauges
 * payments_outbox_backlog and payments_outbox_oldest_age_seconds appear;
 * without it they are absent. Called once per scrape.
 */
export interface BacklogProbe {
  measure(): Promise<{
    /** Events written and not yet delivered. */
    pending: number;
    /** Age in seconds of the oldest of them; null or 0 when there are none. */
    oldestAgeSeconds: number | null;
  }>;
}

/** Injection token of the optional BacklogProbe. */
export const BACKLOG_PROBE = Symbol('BACKLOG_PROBE');
