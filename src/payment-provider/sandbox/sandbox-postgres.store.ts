import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectPaymentDataSource } from '../../database/payment-data-source';
import { types } from 'node:util';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { SandboxClock } from './sandbox-clock';
import { SandboxStore, type SandboxObjectKind, type TrackedMap } from './sandbox.store';

interface TouchedObject {
  kind: SandboxObjectKind;
  id: string;
}

/** One lock for every change to the sandbox's state, across instances. */
const SANDBOX_LOCK = 'payment-service:sandbox-state';

/**
 * The sandbox's own tables, created when the sandbox is the provider (a Stripe
 * deployment never has them), under an advisory lock so that instances
 * starting together do not collide. Only ever extended with IF NOT EXISTS.
 */
export const SANDBOX_SCHEMA = [
  `CREATE SEQUENCE IF NOT EXISTS sandbox_version_seq`,
  `CREATE TABLE IF NOT EXISTS sandbox_object (
     kind text NOT NULL,
     id text NOT NULL,
     data jsonb NOT NULL,
     version bigint NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now(),
     CONSTRAINT pk_sandbox_object PRIMARY KEY (kind, id)
   )`,
  `CREATE INDEX IF NOT EXISTS ix_sandbox_object_version ON sandbox_object (version)`,
  `CREATE TABLE IF NOT EXISTS sandbox_clock (
     id smallint NOT NULL,
     offset_seconds bigint NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now(),
     CONSTRAINT pk_sandbox_clock PRIMARY KEY (id),
     CONSTRAINT ck_sandbox_clock_single_row CHECK (id = 1)
   )`,
  // The clock's version, like an object's: a read older than the cache's must not set it back.
  `ALTER TABLE sandbox_clock ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 0`,
];

/** JSON that keeps Dates (idempotency records hold snapshots with Date fields). */
export function encodeSandboxJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, encoded: unknown) {
    const raw = this[key];
    // isDate, not instanceof: structuredClone makes Dates of the host realm (under Jest, another one).
    return types.isDate(raw) ? { $date: raw.toISOString() } : encoded;
  });
}

export function decodeSandboxJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      if (keys.length === 1 && keys[0] === '$date' && typeof record.$date === 'string') {
        return new Date(record.$date);
      }
    }
    return value;
  });
}

interface StoredRow {
  kind: SandboxObjectKind | 'clock';
  id: string;
  data: string;
  version: string;
}

/**
 * The sandbox's state in PostgreSQL (sandbox_object: one jsonb row per object,
 * sandbox_clock: the test clock's offset), so that a restart keeps sessions,
 * customers, payments, subscriptions, idempotency records and the clock.
 *
 * The maps of SandboxStore stay, as a cache. Each row carries the version
 * (a sequence value) of the unit of work that last wrote it; versions are
 * taken under the lock, so "rows with a version above the last one seen"
 * is exactly what other instances changed since.
 *
 * A unit of work (mutate): in-process queue → transaction → advisory lock →
 * refresh → the synchronous change → upsert the objects it touched whose JSON
 * differs → commit. On failure the touched objects are put back as stored.
 *
 * Reads outside the lock (refresh) may overlap a unit of work and come back
 * after it with an older snapshot: a row (or the clock) replaces the cached one
 * only when its version is newer than the cached one's, so the cache never goes
 * back to a state another instance has since changed (a session paid there
 * would look open again here, and be paid twice).
 */
@Injectable()
export class PostgresSandboxStore extends SandboxStore implements OnModuleInit {
  private readonly logger = new Logger('SandboxStore');
  /** Encoded JSON of each object as stored, by `kind:id`. */
  private readonly stored = new Map<string, string>();
  /** Version of each cached object as stored, by `kind:id`. */
  private readonly versions = new Map<string, number>();
  private storedOffset = 0;
  private clockVersion = -1;
  private lastVersion = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private busy = false;

  constructor(
    @InjectPaymentDataSource() private readonly dataSource: DataSource,
    private readonly clock: SandboxClock,
  ) {
    super();
  }

  async onModuleInit(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [SANDBOX_LOCK]);
      for (const statement of SANDBOX_SCHEMA) await manager.query(statement);
    });
    const loaded = await this.load(this.dataSource.manager);
    if (loaded > 0) {
      this.logger.log({ msg: 'sandbox state restored from PostgreSQL', objects: loaded });
    }
  }

  override async refresh(): Promise<void> {
    // A unit of work in this process refreshed under the lock and may hold
    // changes not stored yet: the cache is already the freshest view.
    if (this.busy) return;
    await this.load(this.dataSource.manager);
  }

  override mutate<T>(change: () => T): Promise<T> {
    const run = this.queue.then(() => this.unitOfWork(change));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async unitOfWork<T>(change: () => T): Promise<T> {
    this.busy = true;
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction();
      await runner.query('SELECT pg_advisory_xact_lock(hashtext($1))', [SANDBOX_LOCK]);
      await this.load(runner.manager);
      this.takeTouched();
      let touched: TouchedObject[] = [];
      let result: T;
      try {
        try {
          result = change();
        } finally {
          touched = this.takeTouched();
        }
        await this.flush(runner, touched);
        await runner.commitTransaction();
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        this.revert(touched);
        this.dropAfterCommit();
        throw error;
      }
      this.runAfterCommit();
      return result;
    } finally {
      this.busy = false;
      await runner.release();
    }
  }

  /** Reads rows newer than the last version seen (all of them the first time). */
  private async load(manager: EntityManager): Promise<number> {
    return this.apply(await this.read(manager));
  }

  private read(manager: EntityManager): Promise<StoredRow[]> {
    return manager.query(
      `SELECT kind, id, data::text AS data, version::text AS version
         FROM sandbox_object WHERE version > $1
       UNION ALL
       SELECT 'clock', '', offset_seconds::text, version::text FROM sandbox_clock`,
      [this.lastVersion],
    );
  }

  /** Puts rows read into the cache, each only if newer than what the cache holds. */
  private apply(rows: StoredRow[]): number {
    const maps = this.maps();
    let count = 0;
    for (const row of rows) {
      const version = Number(row.version);
      if (row.kind === 'clock') {
        if (version <= this.clockVersion) continue;
        this.clockVersion = version;
        this.storedOffset = Number(row.data);
        this.clock.restore(this.storedOffset);
        continue;
      }
      const map = maps[row.kind];
      if (!map) continue;
      const key = `${row.kind}:${row.id}`;
      this.lastVersion = Math.max(this.lastVersion, version);
      if (version <= (this.versions.get(key) ?? 0)) continue;
      const value = decodeSandboxJson(row.data);
      map.load(row.id, value);
      this.stored.set(key, encodeSandboxJson(value));
      this.versions.set(key, version);
      count++;
    }
    return count;
  }

  /** Writes the touched objects whose JSON changed, under one new version. */
  private async flush(runner: QueryRunner, touched: TouchedObject[]): Promise<void> {
    const kinds: string[] = [];
    const ids: string[] = [];
    const data: string[] = [];
    const maps = this.maps();
    for (const { kind, id } of touched) {
      const value = maps[kind].peek(id);
      if (value === undefined) continue;
      const json = encodeSandboxJson(value);
      if (this.stored.get(`${kind}:${id}`) === json) continue;
      kinds.push(kind);
      ids.push(id);
      data.push(json);
    }
    if (kinds.length > 0) {
      const written = (await runner.query(
        `WITH v AS (SELECT nextval('sandbox_version_seq') AS version)
         INSERT INTO sandbox_object (kind, id, data, version)
         SELECT t.kind, t.id, t.data::jsonb, v.version
           FROM unnest($1::text[], $2::text[], $3::text[]) AS t(kind, id, data), v
         ON CONFLICT ON CONSTRAINT pk_sandbox_object
         DO UPDATE SET data = EXCLUDED.data, version = EXCLUDED.version, updated_at = now()
         RETURNING version::text AS version`,
        [kinds, ids, data],
      )) as { version: string }[];
      const version = Number(written[0].version);
      for (let i = 0; i < kinds.length; i++) {
        this.stored.set(`${kinds[i]}:${ids[i]}`, data[i]);
        this.versions.set(`${kinds[i]}:${ids[i]}`, version);
      }
      // Our own rows are now the newest: nothing between them and lastVersion is missing (the lock).
      this.lastVersion = Math.max(this.lastVersion, version);
    }
    const offset = this.clock.offset();
    if (offset !== this.storedOffset) {
      const [{ version }] = (await runner.query(
        `INSERT INTO sandbox_clock (id, offset_seconds, version)
         VALUES (1, $1, nextval('sandbox_version_seq'))
         ON CONFLICT ON CONSTRAINT pk_sandbox_clock
         DO UPDATE SET offset_seconds = EXCLUDED.offset_seconds, version = EXCLUDED.version,
                       updated_at = now()
         RETURNING version::text AS version`,
        [offset],
      )) as { version: string }[];
      this.storedOffset = offset;
      this.clockVersion = Number(version);
    }
  }

  private takeTouched(): TouchedObject[] {
    const touched: TouchedObject[] = [];
    for (const [kind, map] of Object.entries(this.maps()) as [
      SandboxObjectKind,
      TrackedMap<unknown>,
    ][]) {
      for (const id of map.takeTouched()) touched.push({ kind, id });
    }
    return touched;
  }

  /** Puts back what a failed unit of work touched, as stored (new objects go). */
  private revert(touched: TouchedObject[]): void {
    const maps = this.maps();
    for (const { kind, id } of touched) {
      const stored = this.stored.get(`${kind}:${id}`);
      if (stored === undefined) maps[kind].delete(id);
      else maps[kind].load(id, decodeSandboxJson(stored));
    }
    this.clock.restore(this.storedOffset);
  }
}
