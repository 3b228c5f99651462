import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13: a refund whose charge is not recorded here is kept unlinked (an orphan) and looked
 * for on every successful payment, by its payment intent id or by its charge id. The first has
 * ix_payment_transaction_orphan_refunds (it leads with it); the charge id had no index of its
 * own, so that lookup read every orphan refund — and refunds of payments made elsewhere stay
 * orphans for good.
 */
export class IndexOrphanRefundsByCharge1796200000000 implements MigrationInterface {
  name = 'IndexOrphanRefundsByCharge1796200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "ix_payment_transaction_orphan_refunds_charge" ON "payment_transaction" ("provider_charge_id") WHERE type = 'refund' AND parent_transaction_id IS NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_payment_transaction_orphan_refunds_charge"`);
  }
}
