import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14: provider calls whose outcome is unknown are settled by the service. A subscription
 * keeps its pending cancel / resume (the change, when it was asked, the idempotency key it was
 * sent with) until the settling job or a webhook settles it; a checkout row keeps the
 * placeholder session id a 202 answered, so that GET /checkout/{that id} still finds it once the
 * provider's session id is known. (Generated; the backfill of intents written before this
 * migration was added by hand.)
 */
export class PendingProviderOperations1796100000000 implements MigrationInterface {
  name = 'PendingProviderOperations1796100000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "payment_checkout_session" ADD "intent_session_id" character varying(255)`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_subscription" ADD "pending_change" character varying(32)`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_subscription" ADD "pending_change_requested_at" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_subscription" ADD "pending_change_key" character varying(255)`,
    );
    await queryRunner.query(
      `UPDATE "payment_checkout_session" SET "intent_session_id" = "provider_session_id" WHERE "provider_session_id" LIKE 'intent\\_%'`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_payment_checkout_session_intent_id" ON "payment_checkout_session"  ("intent_session_id") WHERE intent_session_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payment_subscription_pending_change" ON "payment_subscription"  ("pending_change_requested_at") WHERE pending_change IS NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_subscription" ADD CONSTRAINT "ck_payment_subscription_pending_change" CHECK (pending_change IN ('cancel_at_period_end', 'resume'))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "payment_subscription" DROP CONSTRAINT "ck_payment_subscription_pending_change"`,
    );
    await queryRunner.query(`DROP INDEX "public"."ix_payment_subscription_pending_change"`);
    await queryRunner.query(`DROP INDEX "public"."uq_payment_checkout_session_intent_id"`);
    await queryRunner.query(`ALTER TABLE "payment_subscription" DROP COLUMN "pending_change_key"`);
    await queryRunner.query(
      `ALTER TABLE "payment_subscription" DROP COLUMN "pending_change_requested_at"`,
    );
    await queryRunner.query(`ALTER TABLE "payment_subscription" DROP COLUMN "pending_change"`);
    await queryRunner.query(
      `ALTER TABLE "payment_checkout_session" DROP COLUMN "intent_session_id"`,
    );
  }
}
