import { Injectable } from '@nestjs/common';
import { InjectPaymentRepository } from '../database/payment-data-source';
import { In, type FindOptionsWhere, type Repository } from 'typeorm';
import { NotFoundError, ValidationError } from '../common/domain-error';
import { listRows, pageWithTotal, type ListRequest, type ListResult } from '../common/list-query';
import type { Page } from '../common/pagination';
import { OPEN_DISPUTE_STATUSES } from './dispute-status';
import { toDisputeResource, type DisputeResource } from './dispute.resource';
import { DISPUTE_STATUSES, DisputeEntity, type DisputeStatus } from './entities/dispute.entity';

/** A status, or `open` for warning_issued, needs_response and under_review. */
export type DisputeStatusFilter = DisputeStatus | 'open';
export const DISPUTE_STATUS_FILTERS: readonly DisputeStatusFilter[] = ['open', ...DISPUTE_STATUSES];

export interface DisputeFilter {
  status?: DisputeStatusFilter;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** Reads disputes and fraud warnings; rows are written by the webhook handlers and the deadline job. */
@Injectable()
export class DisputesService {
  constructor(
    @InjectPaymentRepository(DisputeEntity) private readonly disputes: Repository<DisputeEntity>,
  ) {}

  /**
   * The disputes an app or an operator looks at, newest first:
   * `await disputes.getDisputes({ status: 'open' })`.
   * @param filter.limit at most this many (default 100, at most 1000)
   */
  async getDisputes(filter: DisputeFilter & { limit?: number } = {}): Promise<DisputeResource[]> {
    const limit = filter.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new ValidationError(`limit must be an integer from 1 to ${MAX_LIMIT}`, {
        limit: [`must be an integer from 1 to ${MAX_LIMIT}`],
      });
    }
    const { rows } = await this.listPage(filter, { mode: 'cursor', limit, includeTotal: false });
    return rows.map(toDisputeResource);
  }

  /** Newest first: one page, and the count of every row the filters match. */
  async list(filter: DisputeFilter, page: Page): Promise<{ rows: DisputeEntity[]; total: number }> {
    const { rows, total = 0 } = await this.listPage(filter, pageWithTotal(page));
    return { rows, total };
  }

  /** One page of the API list (DESIGN §6.0): cursor or page mode, total only when asked. */
  async listPage(filter: DisputeFilter, request: ListRequest): Promise<ListResult<DisputeEntity>> {
    const where = whereOf(filter); // validates the status
    return listRows(this.disputes, request, (qb) => {
      if (where.status === undefined) return;
      if (filter.status === 'open')
        qb.andWhere('t.status IN (:...open)', { open: [...OPEN_DISPUTE_STATUSES] });
      else qb.andWhere('t.status = :status', { status: filter.status });
    });
  }

  async get(id: number): Promise<DisputeResource> {
    const row = await this.disputes.findOneBy({ id });
    if (!row) throw new NotFoundError('Dispute', id);
    return toDisputeResource(row);
  }
}

function whereOf(filter: DisputeFilter): FindOptionsWhere<DisputeEntity> {
  if (filter.status === undefined) return {};
  if (!DISPUTE_STATUS_FILTERS.includes(filter.status)) {
    throw new ValidationError(`status must be one of ${DISPUTE_STATUS_FILTERS.join(', ')}`, {
      status: [`must be one of ${DISPUTE_STATUS_FILTERS.join(', ')}`],
    });
  }
  return { status: filter.status === 'open' ? In([...OPEN_DISPUTE_STATUSES]) : filter.status };
}
