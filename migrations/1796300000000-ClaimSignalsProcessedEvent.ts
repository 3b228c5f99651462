import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13: the webhook's inbox claim travels in one exchange with the handler's first statement
 * (and the transaction's BEGIN). A claim that finds the event already processed must then stop
 * what was sent behind it, which only an error does (PostgreSQL skips the rest of an exchange
 * after one): the claim calls this function when it claimed nothing. SQLSTATE PW409 is the
 * service's own, so that the caller tells a duplicate from a failure.
 */
export class ClaimSignalsProcessedEvent1796300000000 implements MigrationInterface {
  name = 'ClaimSignalsProcessedEvent1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION payment_webhook_event_processed(event_id text) RETURNS integer
      LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'webhook event % is already processed', event_id USING ERRCODE = 'PW409';
      END
      $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION payment_webhook_event_processed(text)`);
  }
}
