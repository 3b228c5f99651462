import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transactional outbox (DESIGN §7): one row per domain event, written in the
 * transaction of the change that causes it, and one delivery row per (event,
 * durable listener) that operators read (`payments events`). The job engine's
 * own schema (graphile_worker) is created by its migrator at start.
 */
export class EventOutbox1795790000000 implements MigrationInterface {
  name = 'EventOutbox1795790000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "payment_outbox" (
        "id" bigserial NOT NULL,
        "name" character varying(100) NOT NULL,
        "aggregate_type" character varying(40) NOT NULL,
        "aggregate_id" character varying(255) NOT NULL,
        "payload" jsonb NOT NULL,
        "provider_event_id" character varying(255),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_payment_outbox" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "payment_event_delivery" (
        "id" bigserial NOT NULL,
        "event_id" bigint NOT NULL,
        "listener" character varying(200) NOT NULL,
        "aggregate_key" character varying(300) NOT NULL,
        "shard" smallint NOT NULL DEFAULT 0,
        "status" character varying(20) NOT NULL DEFAULT 'pending',
        "attempts" integer NOT NULL DEFAULT 0,
        "last_error" text,
        "next_attempt_at" TIMESTAMP WITH TIME ZONE,
        "delivered_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_payment_event_delivery" PRIMARY KEY ("id"),
        CONSTRAINT "uq_payment_event_delivery_event_listener" UNIQUE ("event_id", "listener"),
        CONSTRAINT "fk_payment_event_delivery_event" FOREIGN KEY ("event_id") REFERENCES "payment_outbox"("id") ON DELETE CASCADE,
        CONSTRAINT "ck_payment_event_delivery_status" CHECK ("status" IN ('pending', 'failed', 'delivered', 'dead'))
      )`);
    // The drain walks one listener's shard in commit order, and checks that nothing earlier of the
    // same aggregate is still undelivered.
    await queryRunner.query(`
      CREATE INDEX "ix_payment_event_delivery_shard" ON "payment_event_delivery" ("listener", "shard", "event_id")
      WHERE status IN ('pending', 'failed')`);
    await queryRunner.query(`
      CREATE INDEX "ix_payment_event_delivery_undelivered" ON "payment_event_delivery" ("listener", "aggregate_key", "event_id")
      WHERE status IN ('pending', 'failed')`);
    await queryRunner.query(`
      CREATE INDEX "ix_payment_event_delivery_status" ON "payment_event_delivery" ("status", "id")
      WHERE status <> 'delivered'`);
    // One run per scheduler tick across instances: the first instance to insert the tick enqueues the job.
    await queryRunner.query(`
      CREATE TABLE "payment_scheduled_tick" (
        "job" character varying(100) NOT NULL,
        "tick" TIMESTAMP WITH TIME ZONE NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_payment_scheduled_tick" PRIMARY KEY ("job", "tick")
      )`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "payment_scheduled_tick"`);
    await queryRunner.query(`DROP TABLE "payment_event_delivery"`);
    await queryRunner.query(`DROP TABLE "payment_outbox"`);
  }
}
