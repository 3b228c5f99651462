import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectPaymentDataSource } from '../../database/payment-data-source';
import type { DataSource } from 'typeorm';
import type { SandboxEvent, SandboxEventEnvelope } from './sandbox-objects.types';

export const SANDBOX_EVENT_LOG = Symbol('SANDBOX_EVENT_LOG');

/** One logged event: what the sandbox sent, or would have sent while dropping deliveries. */
export interface LoggedSandboxEvent {
  /** Position in the log (ascending in the order the events were sent). */
  seq: number;
  id: string;
  /** The exact body that was (or would have been) posted. */
  body: string;
  dropped: boolean;
}

/**
 * The sandbox's event log (what a provider's Events API lists) and its switch
 * to drop deliveries on purpose, so that reconciliation can be watched
 * recovering them offline.
 */
export interface SandboxEventLog {
  /** Records events about to be sent (or dropped), in order. */
  record(events: SandboxEvent[], dropped: boolean): Promise<void>;
  /** Events created (sandbox clock) at or after `since`, newest first, older than `beforeSeq` when given. */
  list(since: Date, limit: number, beforeSeq?: number): Promise<LoggedSandboxEvent[]>;
  /** Whether deliveries are being dropped right now. */
  dropping(): Promise<boolean>;
  setDropping(enabled: boolean): Promise<void>;
}

/** Created with the other sandbox tables (only ever extended with IF NOT EXISTS). */
export const SANDBOX_EVENT_LOG_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS sandbox_event (
     seq bigserial NOT NULL,
     id text NOT NULL,
     type text NOT NULL,
     created bigint NOT NULL,
     body text NOT NULL,
     dropped boolean NOT NULL,
     recorded_at timestamptz NOT NULL DEFAULT now(),
     CONSTRAINT pk_sandbox_event PRIMARY KEY (seq),
     CONSTRAINT uq_sandbox_event_id UNIQUE (id)
   )`,
  `CREATE INDEX IF NOT EXISTS ix_sandbox_event_created ON sandbox_event (created, seq)`,
  `CREATE TABLE IF NOT EXISTS sandbox_setting (
     name text NOT NULL,
     value jsonb NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now(),
     CONSTRAINT pk_sandbox_setting PRIMARY KEY (name)
   )`,
];

const DROP_SETTING = 'drop_webhooks';

/** The log in PostgreSQL (sandbox_event, sandbox_setting): shared by instances, kept across restarts. */
@Injectable()
export class PostgresSandboxEventLog implements SandboxEventLog, OnModuleInit {
  constructor(@InjectPaymentDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        'payment-service:sandbox-state',
      ]);
      for (const statement of SANDBOX_EVENT_LOG_SCHEMA) await manager.query(statement);
    });
  }

  async record(events: SandboxEvent[], dropped: boolean): Promise<void> {
    if (events.length === 0) return;
    const created = events.map((event) => (JSON.parse(event.body) as SandboxEventEnvelope).created);
    await this.dataSource.query(
      `INSERT INTO sandbox_event (id, type, created, body, dropped)
       SELECT id, type, created, body, dropped
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::boolean[])
           WITH ORDINALITY AS t(id, type, created, body, dropped, n)
        ORDER BY n
       ON CONFLICT ON CONSTRAINT uq_sandbox_event_id DO NOTHING`,
      [
        events.map((event) => event.id),
        events.map((event) => event.type),
        created,
        events.map((event) => event.body),
        events.map(() => dropped),
      ],
    );
  }

  async list(since: Date, limit: number, beforeSeq?: number): Promise<LoggedSandboxEvent[]> {
    const rows: { seq: string; id: string; body: string; dropped: boolean }[] =
      await this.dataSource.query(
        `SELECT seq::text AS seq, id, body, dropped FROM sandbox_event
          WHERE created >= $1 AND ($2::bigint IS NULL OR seq < $2)
          ORDER BY seq DESC LIMIT $3`,
        [Math.floor(since.getTime() / 1000), beforeSeq ?? null, limit],
      );
    return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
  }

  async dropping(): Promise<boolean> {
    const rows: { value: unknown }[] = await this.dataSource.query(
      'SELECT value FROM sandbox_setting WHERE name = $1',
      [DROP_SETTING],
    );
    return rows[0]?.value === true;
  }

  async setDropping(enabled: boolean): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO sandbox_setting (name, value) VALUES ($1, $2::jsonb)
       ON CONFLICT ON CONSTRAINT pk_sandbox_setting
       DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [DROP_SETTING, JSON.stringify(enabled)],
    );
  }
}

/** The log in memory, for unit tests. */
export class InMemorySandboxEventLog implements SandboxEventLog {
  readonly entries: (LoggedSandboxEvent & { created: number })[] = [];
  private drop = false;

  async record(events: SandboxEvent[], dropped: boolean): Promise<void> {
    for (const event of events) {
      if (this.entries.some((entry) => entry.id === event.id)) continue;
      const { created } = JSON.parse(event.body) as SandboxEventEnvelope;
      this.entries.push({
        seq: this.entries.length + 1,
        id: event.id,
        body: event.body,
        dropped,
        created,
      });
    }
  }

  async list(since: Date, limit: number, beforeSeq?: number): Promise<LoggedSandboxEvent[]> {
    const from = Math.floor(since.getTime() / 1000);
    return this.entries
      .filter(
        (entry) => entry.created >= from && (beforeSeq === undefined || entry.seq < beforeSeq),
      )
      .reverse()
      .slice(0, limit)
      .map(({ created: _created, ...entry }) => entry);
  }

  async dropping(): Promise<boolean> {
    return this.drop;
  }

  async setDropping(enabled: boolean): Promise<void> {
    this.drop = enabled;
  }
}
