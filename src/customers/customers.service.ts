import { Injectable } from '@nestjs/common';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import { createHash } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import {
  InjectPaymentProvider,
  type PaymentProvider,
} from '../payment-provider/payment-provider.interface';
import { CustomerEntity } from './entities/customer.entity';

/**
 * The provider customer of each app user (external_ref), made once. Concurrent
 * first checkouts of one user send the same idempotency key, so the provider
 * makes one customer, and the unique index keeps one row.
 */
@Injectable()
export class CustomersService {
  constructor(
    @InjectPaymentDataSource() private readonly dataSource: DataSource,
    @InjectPaymentProvider() private readonly provider: PaymentProvider,
  ) {}

  async findOrCreate(externalRef: string, email?: string): Promise<CustomerEntity> {
    const repository = this.dataSource.getRepository(CustomerEntity);
    const existing = await repository.findOneBy({ provider: this.provider.name, externalRef });
    if (existing) {
      if (email && !existing.email) await repository.update(existing.id, { email });
      return existing;
    }
    const digest = createHash('sha256').update(externalRef).digest('hex').slice(0, 32);
    const created = await this.provider.createCustomer({
      externalRef,
      email,
      idempotencyKey: `customer-${digest}`,
    });
    await repository
      .createQueryBuilder()
      .insert()
      .values({
        provider: this.provider.name,
        providerCustomerId: created.id,
        externalRef,
        email: email ?? created.email,
      })
      .orIgnore()
      .execute();
    // A webhook may have stored this provider customer first, without an app user: adopt it.
    await repository
      .createQueryBuilder()
      .update()
      .set({ externalRef, email: () => `COALESCE(email, :email)` })
      .setParameter('email', email ?? created.email ?? null)
      .where('provider = :provider AND provider_customer_id = :id AND external_ref IS NULL', {
        provider: this.provider.name,
        id: created.id,
      })
      .execute()
      .catch((error: unknown) => {
        // Another request adopted a row for this app user at the same moment: theirs is kept.
        if ((error as { driverError?: { code?: string } })?.driverError?.code !== '23505')
          throw error;
      });
    return (
      (await repository.findOneBy({ provider: this.provider.name, externalRef })) ??
      repository.findOneByOrFail({ provider: this.provider.name, providerCustomerId: created.id })
    );
  }

  /**
   * The row for a provider customer seen in a webhook (e.g. a subscription made
   * outside our checkout), created without an external_ref when unknown.
   */
  async ensureFromProvider(
    manager: EntityManager,
    providerCustomerId: string,
    email?: string | null,
  ): Promise<CustomerEntity> {
    // One statement: the row inserted now, or the one already committed. A row a concurrent
    // transaction is inserting is not in this statement's snapshot: read again after it.
    const rows = await manager.query<CustomerRow[]>(
      `WITH ins AS (
         INSERT INTO payment_customer (provider, provider_customer_id, external_ref, email)
         VALUES ($1, $2, NULL, $3)
         ON CONFLICT ON CONSTRAINT uq_payment_customer_provider_id DO NOTHING
         RETURNING ${CUSTOMER_COLUMNS}
       )
       SELECT * FROM ins
       UNION ALL
       SELECT ${CUSTOMER_COLUMNS} FROM payment_customer
        WHERE provider = $1 AND provider_customer_id = $2
       LIMIT 1`,
      [this.provider.name, providerCustomerId, email ?? null],
    );
    if (rows[0]) return customerOf(rows[0]);
    return manager
      .getRepository(CustomerEntity)
      .findOneByOrFail({ provider: this.provider.name, providerCustomerId });
  }
}

const CUSTOMER_COLUMNS =
  'id, created_at, updated_at, provider, provider_customer_id, external_ref, email';

interface CustomerRow {
  id: number;
  created_at: Date;
  updated_at: Date;
  provider: string;
  provider_customer_id: string;
  external_ref: string | null;
  email: string | null;
}

function customerOf(row: CustomerRow): CustomerEntity {
  return Object.assign(new CustomerEntity(), {
    id: row.id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    provider: row.provider,
    providerCustomerId: row.provider_customer_id,
    externalRef: row.external_ref,
    email: row.email,
  });
}
