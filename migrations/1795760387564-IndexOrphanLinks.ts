import { MigrationInterface, QueryRunner } from 'typeorm';

/** Partial indexes for linking refunds and invoice charges that arrived before their parent. */

export class IndexOrphanLinks1795760387564 implements MigrationInterface {
  name = 'IndexOrphanLinks1795760387564';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE INDEX "ix_payment_transaction_unlinked_invoice_charges" ON "payment_transaction" ("provider", "provider_subscription_id")
            WHERE type = 'charge'
                AND subscription_id IS NULL
                AND provider_subscription_id IS NOT NULL
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_payment_transaction_orphan_refunds" ON "payment_transaction" (
                "provider_payment_intent_id",
                "provider_charge_id"
            )
            WHERE type = 'refund'
                AND parent_transaction_id IS NULL
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_transaction_orphan_refunds"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_payment_transaction_unlinked_invoice_charges"
        `);
  }
}
