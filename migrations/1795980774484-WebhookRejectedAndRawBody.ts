import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14: every verified webhook is stored. `raw_body` keeps the exact bytes of an event
 * jsonb cannot hold (NUL, lone surrogates); status `rejected` parks an event whose data can
 * never be valid. (Generated; TypeORM does not diff CHECK constraints, so the status check
 * was added by hand.)
 */
export class WebhookRejectedAndRawBody1795980774484 implements MigrationInterface {
  name = 'WebhookRejectedAndRawBody1795980774484';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "payment_webhook_event" ADD "raw_body" bytea`);
    await queryRunner.query(
      `ALTER TABLE "payment_webhook_event" DROP CONSTRAINT "ck_payment_webhook_event_status"`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_webhook_event" ADD CONSTRAINT "ck_payment_webhook_event_status" CHECK (status IN ('received', 'processed', 'failed', 'ignored', 'rejected'))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "payment_webhook_event" DROP CONSTRAINT "ck_payment_webhook_event_status"`,
    );
    await queryRunner.query(
      `ALTER TABLE "payment_webhook_event" ADD CONSTRAINT "ck_payment_webhook_event_status" CHECK (status IN ('received', 'processed', 'failed', 'ignored'))`,
    );
    await queryRunner.query(`ALTER TABLE "payment_webhook_event" DROP COLUMN "raw_body"`);
  }
}
