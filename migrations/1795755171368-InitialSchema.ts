import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole schema of DESIGN §4. Generated from the entities with
 * `npm run migration:generate` and kept as generated, so that the next
 * generate against a migrated database comes out empty.
 */

export class InitialSchema1795755171368 implements MigrationInterface {
  name = 'InitialSchema1795755171368';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "payment_customer" (
                "id" SERIAL NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "provider" character varying(32) NOT NULL,
                "provider_customer_id" character varying(255) NOT NULL,
                "external_ref" character varying(255),
                "email" character varying(320),
                CONSTRAINT "uq_payment_customer_provider_id" UNIQUE ("provider", "provider_customer_id"),
                CONSTRAINT "pk_payment_customer" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_payment_customer_external_ref" ON "payment_customer" ("provider", "external_ref")
            WHERE external_ref IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE TABLE "payment_checkout_session" (
                "id" SERIAL NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "provider" character varying(32) NOT NULL,
                "provider_session_id" character varying(255) NOT NULL,
                "mode" character varying(16) NOT NULL,
                "price_id" character varying(255) NOT NULL,
                "quantity" integer NOT NULL DEFAULT '1',
                "status" character varying(16) NOT NULL DEFAULT 'open',
                "payment_status" character varying(32),
                "customer_id" integer,
                "external_ref" character varying(255),
                "url" text,
                "success_url" text NOT NULL,
                "cancel_url" text NOT NULL,
                "expires_at" TIMESTAMP WITH TIME ZONE,
                "amount_total" bigint,
                "currency" character varying(3),
                "metadata" jsonb NOT NULL DEFAULT '{}',
                "provider_payment_intent_id" character varying(255),
                "provider_subscription_id" character varying(255),
                "transaction_id" integer,
                "subscription_id" integer,
                "idempotency_key" character varying(255),
                "request_fingerprint" character varying(64),
                "provider_updated_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "uq_payment_checkout_session_provider_id" UNIQUE ("provider", "provider_session_id"),
                CONSTRAINT "ck_payment_checkout_session_quantity" CHECK (quantity > 0),
                CONSTRAINT "ck_payment_checkout_session_status" CHECK (status IN ('open', 'complete', 'expired')),
                CONSTRAINT "ck_payment_checkout_session_mode" CHECK (mode IN ('payment', 'subscription')),
                CONSTRAINT "pk_payment_checkout_session" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_checkout_session_subscription" ON "payment_checkout_session" ("provider_subscription_id")
            WHERE provider_subscription_id IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_checkout_session_payment_intent" ON "payment_checkout_session" ("provider_payment_intent_id")
            WHERE provider_payment_intent_id IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_payment_checkout_session_idempotency_key" ON "payment_checkout_session" ("idempotency_key")
            WHERE idempotency_key IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE TABLE "payment_subscription" (
                "id" SERIAL NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "provider" character varying(32) NOT NULL,
                "provider_subscription_id" character varying(255) NOT NULL,
                "provider_customer_id" character varying(255),
                "customer_id" integer,
                "customer_ref" character varying(255),
                "price_id" character varying(255),
                "plan_name" character varying(255),
                "quantity" integer NOT NULL DEFAULT '1',
                "status" character varying(32) NOT NULL,
                "current_period_start" TIMESTAMP WITH TIME ZONE,
                "current_period_end" TIMESTAMP WITH TIME ZONE,
                "cancel_at_period_end" boolean NOT NULL DEFAULT false,
                "cancel_at" TIMESTAMP WITH TIME ZONE,
                "canceled_at" TIMESTAMP WITH TIME ZONE,
                "ended_at" TIMESTAMP WITH TIME ZONE,
                "trial_end" TIMESTAMP WITH TIME ZONE,
                "metadata" jsonb NOT NULL DEFAULT '{}',
                "provider_updated_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "uq_payment_subscription_provider_id" UNIQUE ("provider", "provider_subscription_id"),
                CONSTRAINT "ck_payment_subscription_status" CHECK (
                    status IN (
                        'incomplete',
                        'incomplete_expired',
                        'trialing',
                        'active',
                        'past_due',
                        'canceled',
                        'unpaid',
                        'paused'
                    )
                ),
                CONSTRAINT "pk_payment_subscription" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_subscription_customer_ref" ON "payment_subscription" ("customer_ref", "created_at")
            WHERE customer_ref IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_subscription_status_created" ON "payment_subscription" ("status", "created_at")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_subscription_created" ON "payment_subscription" ("created_at", "id")
        `);
    await queryRunner.query(`
            CREATE TABLE "payment_transaction" (
                "id" SERIAL NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "provider" character varying(32) NOT NULL,
                "type" character varying(16) NOT NULL,
                "status" character varying(32) NOT NULL,
                "amount" bigint NOT NULL,
                "amount_refunded" bigint NOT NULL DEFAULT '0',
                "currency" character varying(3) NOT NULL,
                "description" text,
                "reason" text,
                "customer_id" integer,
                "customer_ref" character varying(255),
                "provider_payment_intent_id" character varying(255),
                "provider_charge_id" character varying(255),
                "provider_invoice_id" character varying(255),
                "provider_refund_id" character varying(255),
                "provider_subscription_id" character varying(255),
                "checkout_session_id" character varying(255),
                "subscription_id" integer,
                "parent_transaction_id" integer,
                "metadata" jsonb NOT NULL DEFAULT '{}',
                "idempotency_key" character varying(255),
                "provider_updated_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "ck_payment_transaction_amounts" CHECK (
                    amount >= 0
                    AND amount_refunded >= 0
                    AND amount_refunded <= amount
                ),
                CONSTRAINT "ck_payment_transaction_currency" CHECK (currency ~ '^[a-z]{3}$'),
                CONSTRAINT "ck_payment_transaction_status" CHECK (
                    status IN (
                        'pending',
                        'succeeded',
                        'failed',
                        'canceled',
                        'refunded',
                        'partially_refunded'
                    )
                ),
                CONSTRAINT "ck_payment_transaction_type" CHECK (type IN ('charge', 'refund')),
                CONSTRAINT "pk_payment_transaction" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_transaction_subscription" ON "payment_transaction" ("subscription_id")
            WHERE subscription_id IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_transaction_parent" ON "payment_transaction" ("parent_transaction_id")
            WHERE parent_transaction_id IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_transaction_checkout_session" ON "payment_transaction" ("checkout_session_id")
            WHERE checkout_session_id IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_transaction_customer_ref" ON "payment_transaction" ("customer_ref", "created_at")
            WHERE customer_ref IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_transaction_status_created" ON "payment_transaction" ("status", "created_at")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_transaction_created" ON "payment_transaction" ("created_at", "id")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_payment_transaction_idempotency_key" ON "payment_transaction" ("idempotency_key")
            WHERE idempotency_key IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_payment_transaction_refund" ON "payment_transaction" ("provider", "provider_refund_id")
            WHERE provider_refund_id IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_payment_transaction_charge_charge" ON "payment_transaction" ("provider", "provider_charge_id")
            WHERE type = 'charge'
                AND provider_charge_id IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_payment_transaction_charge_invoice" ON "payment_transaction" ("provider", "provider_invoice_id")
            WHERE type = 'charge'
                AND provider_invoice_id IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "uq_payment_transaction_charge_payment_intent" ON "payment_transaction" ("provider", "provider_payment_intent_id")
            WHERE type = 'charge'
                AND provider_payment_intent_id IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE TABLE "payment_dispute" (
                "id" SERIAL NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "provider" character varying(32) NOT NULL,
                "provider_dispute_id" character varying(255) NOT NULL,
                "kind" character varying(16) NOT NULL,
                "transaction_id" integer,
                "provider_charge_id" character varying(255),
                "provider_payment_intent_id" character varying(255),
                "status" character varying(32) NOT NULL,
                "provider_status" character varying(64),
                "reason" character varying(255),
                "amount" bigint,
                "currency" character varying(3),
                "evidence_due_by" TIMESTAMP WITH TIME ZONE,
                "deadline_warned_at" TIMESTAMP WITH TIME ZONE,
                "deadline_flagged_at" TIMESTAMP WITH TIME ZONE,
                "actionable" boolean,
                "metadata" jsonb NOT NULL DEFAULT '{}',
                "provider_updated_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "uq_payment_dispute_provider_id" UNIQUE ("provider", "provider_dispute_id"),
                CONSTRAINT "ck_payment_dispute_status" CHECK (
                    status IN (
                        'warning_issued',
                        'needs_response',
                        'under_review',
                        'won',
                        'lost',
                        'charge_refunded',
                        'warning_closed',
                        'prevented'
                    )
                ),
                CONSTRAINT "ck_payment_dispute_kind" CHECK (kind IN ('chargeback', 'fraud_warning')),
                CONSTRAINT "pk_payment_dispute" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_dispute_awaiting_response" ON "payment_dispute" ("evidence_due_by")
            WHERE evidence_due_by IS NOT NULL
                AND deadline_flagged_at IS NULL
                AND provider_status IN (
                    'needs_response',
                    'warning_needs_response',
                    'appeal_needs_response'
                )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_dispute_unlinked" ON "payment_dispute" ("id")
            WHERE transaction_id IS NULL
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_dispute_payment_intent" ON "payment_dispute" ("provider_payment_intent_id")
            WHERE provider_payment_intent_id IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_dispute_charge" ON "payment_dispute" ("provider_charge_id")
            WHERE provider_charge_id IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_dispute_status_created" ON "payment_dispute" ("status", "created_at")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_dispute_created" ON "payment_dispute" ("created_at", "id")
        `);
    await queryRunner.query(`
            CREATE TABLE "payment_webhook_event" (
                "id" SERIAL NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "provider" character varying(32) NOT NULL,
                "provider_event_id" character varying(255) NOT NULL,
                "type" character varying(128) NOT NULL,
                "payload" jsonb NOT NULL,
                "status" character varying(16) NOT NULL DEFAULT 'received',
                "attempts" integer NOT NULL DEFAULT '0',
                "last_error" text,
                "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "processed_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "uq_payment_webhook_event_provider_id" UNIQUE ("provider", "provider_event_id"),
                CONSTRAINT "ck_payment_webhook_event_status" CHECK (
                    status IN ('received', 'processed', 'failed', 'ignored')
                ),
                CONSTRAINT "pk_payment_webhook_event" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_webhook_event_status_received" ON "payment_webhook_event" ("status", "received_at")
        `);
    await queryRunner.query(`
            ALTER TABLE "payment_checkout_session"
            ADD CONSTRAINT "fk_payment_checkout_session_customer" FOREIGN KEY ("customer_id") REFERENCES "payment_customer"("id") ON DELETE
            SET NULL ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "payment_subscription"
            ADD CONSTRAINT "fk_payment_subscription_customer" FOREIGN KEY ("customer_id") REFERENCES "payment_customer"("id") ON DELETE
            SET NULL ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "payment_transaction"
            ADD CONSTRAINT "fk_payment_transaction_customer" FOREIGN KEY ("customer_id") REFERENCES "payment_customer"("id") ON DELETE
            SET NULL ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "payment_transaction"
            ADD CONSTRAINT "fk_payment_transaction_subscription" FOREIGN KEY ("subscription_id") REFERENCES "payment_subscription"("id") ON DELETE
            SET NULL ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "payment_transaction"
            ADD CONSTRAINT "fk_payment_transaction_parent" FOREIGN KEY ("parent_transaction_id") REFERENCES "payment_transaction"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "payment_dispute"
            ADD CONSTRAINT "fk_payment_dispute_transaction" FOREIGN KEY ("transaction_id") REFERENCES "payment_transaction"("id") ON DELETE
            SET NULL ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "payment_dispute" DROP CONSTRAINT "fk_payment_dispute_transaction"
        `);
    await queryRunner.query(`
            ALTER TABLE "payment_transaction" DROP CONSTRAINT "fk_payment_transaction_parent"
        `);
    await queryRunner.query(`
            ALTER TABLE "payment_transaction" DROP CONSTRAINT "fk_payment_transaction_subscription"
        `);
    await queryRunner.query(`
            ALTER TABLE "payment_transaction" DROP CONSTRAINT "fk_payment_transaction_customer"
        `);
    await queryRunner.query(`
            ALTER TABLE "payment_subscription" DROP CONSTRAINT "fk_payment_subscription_customer"
        `);
    await queryRunner.query(`
            ALTER TABLE "payment_checkout_session" DROP CONSTRAINT "fk_payment_checkout_session_customer"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_webhook_event_status_received"
        `);
    await queryRunner.query(`
            DROP TABLE "payment_webhook_event"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_dispute_created"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_dispute_status_created"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_dispute_charge"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_dispute_payment_intent"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_dispute_unlinked"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_dispute_awaiting_response"
        `);
    await queryRunner.query(`
            DROP TABLE "payment_dispute"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_payment_transaction_charge_payment_intent"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_payment_transaction_charge_invoice"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_payment_transaction_charge_charge"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_payment_transaction_refund"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_payment_transaction_idempotency_key"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_transaction_created"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_transaction_status_created"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_transaction_customer_ref"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_transaction_checkout_session"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_transaction_parent"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_transaction_subscription"
        `);
    await queryRunner.query(`
            DROP TABLE "payment_transaction"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_subscription_created"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_subscription_status_created"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_subscription_customer_ref"
        `);
    await queryRunner.query(`
            DROP TABLE "payment_subscription"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_payment_checkout_session_idempotency_key"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_checkout_session_payment_intent"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_checkout_session_subscription"
        `);
    await queryRunner.query(`
            DROP TABLE "payment_checkout_session"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."uq_payment_customer_external_ref"
        `);
    await queryRunner.query(`
            DROP TABLE "payment_customer"
        `);
  }
}
