import { Injectable } from '@nestjs/common';
import { InjectPaymentRepository } from '../database/payment-data-source';
import type { FindOptionsWhere, Repository } from 'typeorm';
import { NotFoundError } from '../common/domain-error';
import { listRows, pageWithTotal, type ListRequest, type ListResult } from '../common/list-query';
import type { Page } from '../common/pagination';
import {
  TransactionEntity,
  type TransactionStatus,
  type TransactionType,
} from './entities/transaction.entity';

export interface TransactionFilter {
  status?: TransactionStatus;
  type?: TransactionType;
  customerRef?: string;
}

/** Reads transactions; rows are written by the checkout, subscription and refund flows. */
@Injectable()
export class TransactionsService {
  constructor(
    @InjectPaymentRepository(TransactionEntity)
    private readonly transactions: Repository<TransactionEntity>,
  ) {}

  /** Newest first: one page, and the count of every row the filters match. */
  async list(
    filter: TransactionFilter,
    page: Page,
  ): Promise<{ rows: TransactionEntity[]; total: number }> {
    const { rows, total = 0 } = await this.listPage(filter, pageWithTotal(page));
    return { rows, total };
  }

  /** One page of the API list (DESIGN §6.0): cursor or page mode, total only when asked. */
  async listPage(
    filter: TransactionFilter,
    request: ListRequest,
  ): Promise<ListResult<TransactionEntity>> {
    return listRows(this.transactions, request, (qb) => {
      if (filter.status) qb.andWhere('t.status = :status', { status: filter.status });
      if (filter.type) qb.andWhere('t.type = :type', { type: filter.type });
      if (filter.customerRef)
        qb.andWhere('t.customer_ref = :customerRef', { customerRef: filter.customerRef });
    });
  }

  async get(id: number): Promise<TransactionEntity> {
    const row = await this.transactions.findOneBy({ id });
    if (!row) throw new NotFoundError('Transaction', id);
    return row;
  }

  /** The charge made by a checkout session (one-time mode), if the webhook has recorded it. */
  async findBySession(sessionId: string): Promise<TransactionEntity | null> {
    return this.transactions.findOne({
      where: { checkoutSessionId: sessionId, type: 'charge' },
      order: { id: 'ASC' },
    });
  }

  async findByChargeOrPaymentIntent(ids: {
    chargeId?: string | null;
    paymentIntentId?: string | null;
  }): Promise<TransactionEntity | null> {
    const where: FindOptionsWhere<TransactionEntity>[] = [];
    if (ids.chargeId) where.push({ type: 'charge', providerChargeId: ids.chargeId });
    if (ids.paymentIntentId)
      where.push({ type: 'charge', providerPaymentIntentId: ids.paymentIntentId });
    if (where.length === 0) return null;
    return this.transactions.findOne({ where });
  }
}
