/**
 * PaymentModule on a host's NAMED TypeORM data source (issue 16): the host keeps its default
 * data source (its own database, entity and schema) and gives the service a second one,
 * `TypeOrmModule.forRoot({ name: 'payments', … })`. Everything the service stores (migrations,
 * checkout, money rows, job queue) lands in the named database, nothing in the default one, and
 * the host's default-source repository keeps working beside it.
 */
import { type INestApplication, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken, InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import { Client } from 'pg';
import { Column, Entity, PrimaryGeneratedColumn, type Repository } from 'typeorm';
import { PAYMENT_ENTITIES, PaymentModule, runCli } from '../../src';
import { PAYMENT_DATA_SOURCE } from '../../src/database/payment-data-source';
import { JOB_SCHEMA } from '../../src/events/job-engine';
import { freePort } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const API_KEY = 'named-source-key';

@Entity('host_note')
class HostNote {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  text!: string;
}

@Injectable()
class HostNotes {
  constructor(@InjectRepository(HostNote) readonly repository: Repository<HostNote>) {}
}

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe.each(['forRoot', 'forRootAsync', 'url'] as const)(
  'PaymentModule (%s) beside a host’s default data source: a named one, or a pool of its own ({ url })',
  (variant) => {
    let hostDb: TestDatabase;
    let paymentsDb: TestDatabase;
    let app: INestApplication;
    let base: string;

    beforeAll(async () => {
      hostDb = await createTestDatabase();
      paymentsDb = await createTestDatabase();
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;

      const config = () => ({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        PAYMENT_PROVIDER: 'sandbox',
        DISPUTE_DEADLINE_CRON: 'off',
        PUBLIC_BASE_URL: base,
        API_KEYS: API_KEY,
      });
      @Module({
        imports: [
          // The host's default data source: its own database and entity.
          TypeOrmModule.forRoot({
            type: 'postgres',
            url: hostDb.url,
            entities: [HostNote],
            synchronize: true,
          }),
          TypeOrmModule.forFeature([HostNote]),
          // A named one for the payment service, on another database.
          ...(variant === 'url'
            ? []
            : [
                TypeOrmModule.forRoot({
                  name: 'payments',
                  type: 'postgres',
                  url: paymentsDb.url,
                  entities: PAYMENT_ENTITIES,
                }),
              ]),
          variant === 'forRoot'
            ? PaymentModule.forRoot({ dataSource: { name: 'payments' }, config: config() })
            : variant === 'url'
              ? // A pool of the service's own: it must not take the host's default name.
                PaymentModule.forRoot({ dataSource: { url: paymentsDb.url }, config: config() })
              : PaymentModule.forRootAsync({
                  dataSource: { name: 'payments' },
                  provider: 'sandbox',
                  useFactory: async () => ({ config: config() }),
                }),
        ],
        providers: [HostNotes],
      })
      class HostModule {}

      app = await NestFactory.create(HostModule, { rawBody: true, logger: false });
      await app.listen(port, '127.0.0.1');
    }, 120_000);

    afterAll(async () => {
      await app?.close();
      await hostDb?.drop();
      await paymentsDb?.drop();
    });

    it('binds the service to its own data source, not the host’s default', () => {
      const source = app.get<{ options: { name?: string; url?: string } }>(PAYMENT_DATA_SOURCE);
      if (variant === 'url') expect(source.options.url).toBe(paymentsDb.url);
      else expect(source.options.name).toBe('payments');
      const hostSource = app.get<{ options: { url?: string } }>(getDataSourceToken());
      expect(hostSource.options.url).toBe(hostDb.url);
    });

    it('pays a sandbox checkout with every payment row in the named database, none in the default one', async () => {
      const created = await fetch(`${base}/api/v1/payment/checkout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({
          price_id: 'price_sandbox_onetime',
          mode: 'payment',
          customer_ref: 'user_7',
        }),
      });
      expect(created.status).toBe(201);
      const { session_id, checkout_url } = (await created.json()) as {
        session_id: string;
        checkout_url: string;
      };
      const page = await fetch(checkout_url);
      expect(page.status).toBe(200);
      const action = /action="([^"]+\/pay)"/.exec(await page.text())?.[1];
      expect(action).toBeDefined();
      const paid = await fetch(new URL(action!, checkout_url), {
        method: 'POST',
        redirect: 'manual',
      });
      expect(paid.status).toBe(303);

      // The sandbox's signed webhook settles the charge: poll the named database.
      let charges: { status: string; customer_ref: string }[] = [];
      for (let i = 0; i < 200; i++) {
        charges = await query(
          paymentsDb.url,
          `SELECT status, customer_ref FROM payment_transaction WHERE type = 'charge'`,
        );
        if (charges[0]?.status === 'succeeded') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(charges).toEqual([{ status: 'succeeded', customer_ref: 'user_7' }]);
      const sessions = await query<{ id: string }>(
        paymentsDb.url,
        `SELECT provider_session_id AS id FROM payment_checkout_session`,
      );
      expect(sessions.map((s) => s.id)).toEqual([session_id]);
      expect(await query(paymentsDb.url, `SELECT 1 FROM payment_migrations LIMIT 1`)).toHaveLength(
        1,
      );

      // The host's default database: its own table only — no payment table, no job queue.
      const hostTables = await query<{ tablename: string }>(
        hostDb.url,
        `SELECT tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
      );
      expect(hostTables.map((t) => t.tablename)).toEqual(['host_note']);
      // The job queue (graphile-worker's schema) is in the named database only.
      const jobSchema = `SELECT nspname FROM pg_namespace WHERE nspname = '${JOB_SCHEMA}'`;
      expect(await query(paymentsDb.url, jobSchema)).toHaveLength(1);
      expect(await query(hostDb.url, jobSchema)).toEqual([]);
    });

    it('runs the CLI inside the host (runCli with { app }) on the named data source', async () => {
      const io = () => {
        const out: string[] = [];
        const err: string[] = [];
        return {
          out,
          err,
          io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) },
        };
      };
      const migrate = io();
      expect(await runCli(['migrate'], migrate.io, {}, { app })).toBe(0);
      expect(migrate.err).toEqual([]);
      expect(migrate.out.join('\n')).toBe('database is up to date');
      const list = io();
      expect(await runCli(['transactions', '--type', 'charge'], list.io, {}, { app })).toBe(0);
      expect(list.err).toEqual([]);
      expect(list.out.join('\n')).toContain('user_7');
    });

    it('leaves the host’s default-source repository working', async () => {
      const notes = app.get(HostNotes).repository;
      await notes.save(notes.create({ text: 'hello' }));
      expect(await notes.find()).toEqual([expect.objectContaining({ text: 'hello' })]);
      expect(await query(hostDb.url, `SELECT text FROM host_note`)).toEqual([{ text: 'hello' }]);
    });
  },
);
