import { MigrationInterface, QueryRunner } from 'typeorm';

/** Refund Idempotency-Key replays must be the same request (amount omitted ≠ amount given). */

export class AddTransactionRequestFingerprint1795760117698 implements MigrationInterface {
  name = 'AddTransactionRequestFingerprint1795760117698';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "payment_transaction"
            ADD "request_fingerprint" character varying(64)
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "payment_transaction" DROP COLUMN "request_fingerprint"
        `);
  }
}
