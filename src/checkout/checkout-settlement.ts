import { Injectable, Logger } from '@nestjs/common';
import { InjectPaymentRepository } from '../database/payment-data-source';
import { IsNull, LessThan, Like, type Repository } from 'typeorm';
import {
  InjectPaymentProvider,
  type PaymentProvider,
} from '../payment-provider/payment-provider.interface';
import type { Settler } from '../events/settlement-job';
import { CHECKOUT_ROW_KEY } from './checkout-metadata';
import { INTENT_PREFIX } from './checkout-rows';
import { CreateCheckoutService, INTENT_LIFETIME_MS } from './create-checkout.service';
import { CheckoutSessionEntity } from './entities/checkout-session.entity';

/** An intent younger than this may still have its request's call running: left alone. */
export const INTENT_SETTLE_AFTER_MS = 30_000;
/**
 * An intent the provider has no session for, this long after it was written, was never made:
 * every attempt of its call (the SDK's timeout and one retry) ended long before.
 */
export const INTENT_NEVER_MADE_AFTER_MS = 10 * 60_000;
/** The provider's clock and ours may differ; the lookup starts this much before the intent. */
const CLOCK_SKEW_MS = 5 * 60_000;
const BATCH = 100;

export interface CheckoutSettleSummary {
  /** Intents whose session was found at the provider: they now have its id and URL. */
  found: number[];
  /** Intents the provider never made a session for (or past any session's life): expired. */
  expired: number[];
  /** Intents still unsettled, with the lookup's error. */
  failed: { id: number; error: string }[];
}

/**
 * The checkout part of the settling job (DESIGN §6.2, §9). A checkout row is written before the
 * provider call (intent first); when the call's outcome was unknown the API answered 202 with
 * that row, without a URL. Each pass looks the session up at the provider by our row id in its
 * metadata — never re-sending, so no second session can be made whatever the age of the key:
 * found, the row takes its id and URL; not found once every attempt has long ended, the row is
 * expired, so it never dangles open. A completion that arrives later still finds the row (by
 * the id in the session's metadata).
 */
@Injectable()
export class CheckoutSettlement implements Settler {
  readonly name = 'checkout';
  private readonly logger = new Logger(CheckoutSettlement.name);

  constructor(
    @InjectPaymentRepository(CheckoutSessionEntity)
    private readonly sessions: Repository<CheckoutSessionEntity>,
    @InjectPaymentProvider() private readonly provider: PaymentProvider,
    private readonly create: CreateCheckoutService,
  ) {}

  async settle(now: Date): Promise<CheckoutSettleSummary> {
    const summary: CheckoutSettleSummary = { found: [], expired: [], failed: [] };
    const intents = await this.sessions.find({
      where: {
        provider: this.provider.name,
        status: 'open',
        url: IsNull(),
        providerSessionId: Like(`${INTENT_PREFIX}%`),
        createdAt: LessThan(new Date(now.getTime() - INTENT_SETTLE_AFTER_MS)),
      },
      order: { id: 'ASC' },
      take: BATCH,
    });
    for (const intent of intents) {
      const age = now.getTime() - intent.createdAt.getTime();
      try {
        const snapshot = await this.provider.findCheckoutSession({
          createdSince: new Date(intent.createdAt.getTime() - CLOCK_SKEW_MS),
          metadata: { [CHECKOUT_ROW_KEY]: String(intent.id) },
        });
        if (snapshot) {
          await this.create.complete(intent, snapshot, intent.customerId);
          summary.found.push(intent.id);
        } else if (age >= INTENT_NEVER_MADE_AFTER_MS) {
          if (await this.expire(intent)) summary.expired.push(intent.id);
        }
      } catch (error) {
        const message = (error as Error)?.message ?? String(error);
        // The provider cannot be asked: past any session's life the row is expired anyway.
        if (age >= INTENT_LIFETIME_MS && (await this.expire(intent))) {
          summary.expired.push(intent.id);
          continue;
        }
        this.logger.warn({
          msg: 'checkout intent still unsettled',
          checkout_id: intent.id,
          error: message,
        });
        summary.failed.push({ id: intent.id, error: message });
      }
    }
    return summary;
  }

  /** Only an intent still without a session (a webhook may have adopted it meanwhile). */
  private async expire(intent: CheckoutSessionEntity): Promise<boolean> {
    const result = await this.sessions
      .createQueryBuilder()
      .update()
      .set({ status: 'expired' })
      .where(`id = :id AND status = 'open' AND url IS NULL AND provider_session_id LIKE :prefix`, {
        id: intent.id,
        prefix: `${INTENT_PREFIX}%`,
      })
      .execute();
    return (result.affected ?? 0) > 0;
  }
}
