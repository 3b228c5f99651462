import { Injectable } from '@nestjs/common';
import { InjectPaymentRepository } from '../database/payment-data-source';
import { Not, IsNull, type Repository } from 'typeorm';
import { NotFoundError } from '../common/domain-error';
import { listRows, pageWithTotal, type ListRequest, type ListResult } from '../common/list-query';
import type { Page } from '../common/pagination';
import { SubscriptionEntity, type SubscriptionStatus } from './entities/subscription.entity';

export interface SubscriptionFilter {
  status?: SubscriptionStatus;
  customerRef?: string;
}

/** Reads subscriptions; webhooks write them (SubscriptionSyncService). */
@Injectable()
export class SubscriptionsService {
  constructor(
    @InjectPaymentRepository(SubscriptionEntity)
    private readonly subscriptions: Repository<SubscriptionEntity>,
  ) {}

  /** Newest first: one page, and the count of every row the filters match. */
  async list(
    filter: SubscriptionFilter,
    page: Page,
  ): Promise<{ rows: SubscriptionEntity[]; total: number }> {
    const { rows, total = 0 } = await this.listPage(filter, pageWithTotal(page));
    return { rows, total };
  }

  /** One page of the API list (DESIGN §6.0): cursor or page mode, total only when asked. */
  async listPage(
    filter: SubscriptionFilter,
    request: ListRequest,
  ): Promise<ListResult<SubscriptionEntity>> {
    return listRows(this.subscriptions, request, (qb) => {
      if (filter.status) qb.andWhere('t.status = :status', { status: filter.status });
      if (filter.customerRef)
        qb.andWhere('t.customer_ref = :customerRef', { customerRef: filter.customerRef });
    });
  }

  /** Subscriptions with a cancel / resume whose provider outcome is unknown, oldest first. */
  withPendingChange(limit: number): Promise<SubscriptionEntity[]> {
    return this.subscriptions.find({
      where: { pendingChange: Not(IsNull()) },
      order: { pendingChangeRequestedAt: 'ASC', id: 'ASC' },
      take: limit,
    });
  }

  /** @throws NotFoundError */
  async get(id: number): Promise<SubscriptionEntity> {
    const row = await this.subscriptions.findOneBy({ id });
    if (!row) throw new NotFoundError('Subscription', id);
    return row;
  }
}
