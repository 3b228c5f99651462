import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The host's own migration (its own `migrations` table); the payment service keeps `payment_migrations`. */
export class CreateOrderTable1700000000000 implements MigrationInterface {
  name = 'CreateOrderTable1700000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "shop_order" (
      "id" SERIAL PRIMARY KEY,
      "customerRef" text NOT NULL,
      "checkoutSessionId" text NOT NULL UNIQUE,
      "amount" integer NOT NULL,
      "currency" text NOT NULL,
      "paidAt" timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "shop_order"`);
  }
}
