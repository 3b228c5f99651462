import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation (DESIGN §6.1, issue 15): how each inbox row arrived (`source`:
 * a delivery or reconciliation), and one row per reconciliation run with its
 * counts and its cursor (the last event it finished), so that a crashed run is
 * resumed and /health/ready can show the last successful run.
 */
export class Reconciliation1796000000000 implements MigrationInterface {
  name = 'Reconciliation1796000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "payment_webhook_event" ADD "source" character varying(16) NOT NULL DEFAULT 'webhook'`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_webhook_event" ADD CONSTRAINT "ck_payment_webhook_event_source" CHECK (source IN ('webhook', 'reconcile'))`,
    );
    await queryRunner.query(`
      CREATE TABLE "payment_reconcile_run" (
        "id" bigserial NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'running',
        "trigger" character varying(16) NOT NULL,
        "since" TIMESTAMP WITH TIME ZONE NOT NULL,
        "cursor_occurred_at" TIMESTAMP WITH TIME ZONE,
        "listed" integer NOT NULL DEFAULT 0,
        "already_had" integer NOT NULL DEFAULT 0,
        "applied" integer NOT NULL DEFAULT 0,
        "failed" integer NOT NULL DEFAULT 0,
        "failed_event_ids" jsonb NOT NULL DEFAULT '[]',
        "settled" integer NOT NULL DEFAULT 0,
        "error" text,
        "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "finished_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "pk_payment_reconcile_run" PRIMARY KEY ("id"),
        CONSTRAINT "ck_payment_reconcile_run_status" CHECK (status IN ('running', 'succeeded', 'failed'))
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_payment_reconcile_run_status_finished" ON "payment_reconcile_run" ("status", "finished_at")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "payment_reconcile_run"`);
    await queryRunner.query(
      `ALTER TABLE "payment_webhook_event" DROP CONSTRAINT "ck_payment_webhook_event_source"`,
    );
    await queryRunner.query(`ALTER TABLE "payment_webhook_event" DROP COLUMN "source"`);
  }
}
