import { Inject, Injectable } from '@nestjs/common';
import { InjectPaymentRepository } from '../database/payment-data-source';
import { randomUUID } from 'node:crypto';
import { IsNull, type Repository } from 'typeorm';
import { ProviderError } from '../payment-provider/payment-provider.errors';
import { ConflictError, ValidationError } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { CustomersService } from '../customers/customers.service';
import {
  IDEMPOTENCY_WINDOW_MS,
  InjectPaymentProvider,
  type PaymentProvider,
} from '../payment-provider/payment-provider.interface';
import type { CheckoutSessionSnapshot } from '../payment-provider/payment-provider.types';
import {
  idempotencyKeyProblem,
  providerIdempotencyKey,
  requestFingerprint,
  type CheckoutRequestShape,
} from './checkout-idempotency';
import { metadataProblems, providerMetadata } from './checkout-metadata';
import { INTENT_PREFIX } from './checkout-rows';
import type { CreateCheckoutDto } from './dto/create-checkout.dto';
import { CheckoutSessionEntity, type CheckoutMode } from './entities/checkout-session.entity';
import { checkRedirectUrl, resolveConfiguredUrl, type RedirectPolicy } from './redirect-policy';

export interface CreatedCheckout {
  session: CheckoutSessionEntity;
  /** true when an Idempotency-Key retry returned the session made by the first request. */
  replayed: boolean;
  /**
   * The provider's outcome is not known (the call timed out or broke after sending): the row is
   * the intent, without a URL yet, and the settling job settles it (CheckoutSettlement). HTTP 202.
   */
  pending: boolean;
}

/**
 * POST /checkout (DESIGN §6.2): validates the request, finds or creates the provider customer,
 * asks the provider for a hosted checkout page and records the session (status open).
 * No database transaction is held across the provider call.
 */
@Injectable()
export class CreateCheckoutService {
  private readonly redirectPolicy: RedirectPolicy;

  constructor(
    @InjectPaymentRepository(CheckoutSessionEntity)
    private readonly sessions: Repository<CheckoutSessionEntity>,
    @InjectPaymentProvider() private readonly provider: PaymentProvider,
    private readonly customers: CustomersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.redirectPolicy = {
      publicBaseUrl: config.publicBaseUrl,
      allowedHosts: config.redirectAllowedHosts,
    };
  }

  async create(dto: CreateCheckoutDto, idempotencyKey: string | null): Promise<CreatedCheckout> {
    const request = this.normalise(dto, idempotencyKey);
    const fingerprint = requestFingerprint(request);
    let intent: CheckoutSessionEntity | null = null;
    let replayed = false;
    if (idempotencyKey !== null) {
      const existing = await this.sessions.findOneBy({ idempotencyKey });
      if (existing) {
        const same = this.sameRequestOrConflict(existing, fingerprint);
        if (!isIntent(same)) return { session: same, replayed: true, pending: false };
        // The first call's outcome is unknown (or it is still running): ask again with the
        // same provider key, which answers the same session — while the provider remembers
        // the key. Past that (or once settled as expired), the row is the answer.
        if (!mayResend(same)) return { session: same, replayed: true, pending: isPending(same) };
        intent = same;
        replayed = true;
      }
    }
    if (intent === null) {
      const recorded = await this.recordIntent(request, idempotencyKey, fingerprint);
      if (!isIntent(recorded.row)) return { session: recorded.row, replayed: true, pending: false };
      if (recorded.replayed && !mayResend(recorded.row))
        return { session: recorded.row, replayed: true, pending: isPending(recorded.row) };
      intent = recorded.row;
      replayed = recorded.replayed;
    }

    let customer: Awaited<ReturnType<CustomersService['findOrCreate']>> | null = null;
    try {
      customer = request.customerRef
        ? await this.customers.findOrCreate(request.customerRef, request.customerEmail ?? undefined)
        : null;
    } catch (error) {
      // No checkout call was made: whatever happened to the customer (its own key makes a
      // retry safe), the checkout itself was not sent.
      if (!replayed) await this.sessions.delete({ id: intent.id, url: IsNull() });
      throw error;
    }
    const customerId = customer?.id ?? null;
    let snapshot: CheckoutSessionSnapshot;
    try {
      snapshot = await this.provider.createCheckoutSession({
        mode: request.mode as CheckoutMode,
        priceId: request.priceId,
        quantity: request.quantity,
        successUrl: request.successUrl,
        cancelUrl: request.cancelUrl,
        providerCustomerId: customer?.providerCustomerId,
        customerEmail: customer ? undefined : (request.customerEmail ?? undefined),
        clientReferenceId: request.customerRef ?? undefined,
        metadata: providerMetadata(request.metadata, request.mode as CheckoutMode, intent.id),
        idempotencyKey: providerIdempotencyKey(idempotencyKey, fingerprint, intentKeyOf(intent)),
      });
    } catch (error) {
      // Nothing made at the provider, first attempt: the intent goes (a retry starts afresh).
      if (error instanceof ProviderError && error.nothingMade) {
        if (!replayed) await this.sessions.delete({ id: intent.id, url: IsNull() });
        throw error;
      }
      // Outcome unknown (DESIGN §9): 202 with the intent; the settling job looks the session up
      // at the provider (its URL, or the row expired when nothing was made). A completion
      // finds the row meanwhile by the id in the session's metadata.
      if (error instanceof ProviderError) {
        // (A completion webhook may have adopted the row meanwhile: then it is no longer pending.)
        const row = await this.sessions.findOneByOrFail({ id: intent.id });
        return { session: row, replayed, pending: isPending(row) };
      }
      throw error;
    }
    return { session: await this.complete(intent, snapshot, customerId), replayed, pending: false };
  }

  /**
   * Intent first (DESIGN §6.2): the row exists, with our placeholder session id and no URL,
   * before any provider call, so that whatever happens next a completion finds it.
   */
  private async recordIntent(
    request: CheckoutRequestShape,
    idempotencyKey: string | null,
    fingerprint: string,
  ): Promise<{ row: CheckoutSessionEntity; replayed: boolean }> {
    const placeholder = `${INTENT_PREFIX}${randomUUID()}`;
    const inserted = await this.sessions
      .createQueryBuilder()
      .insert()
      .values({
        provider: this.provider.name,
        providerSessionId: placeholder,
        intentSessionId: placeholder,
        mode: request.mode as CheckoutMode,
        priceId: request.priceId,
        quantity: request.quantity,
        status: 'open',
        paymentStatus: null,
        customerId: null,
        externalRef: request.customerRef,
        url: null,
        successUrl: request.successUrl,
        cancelUrl: request.cancelUrl,
        expiresAt: new Date(Date.now() + INTENT_LIFETIME_MS),
        amountTotal: null,
        currency: null,
        metadata: request.metadata,
        providerPaymentIntentId: null,
        providerSubscriptionId: null,
        idempotencyKey,
        requestFingerprint: fingerprint,
        providerUpdatedAt: null,
      })
      .orIgnore()
      .returning('id')
      .execute();
    const id = (inserted.raw as { id: number }[])[0]?.id;
    if (id !== undefined)
      return { row: await this.sessions.findOneByOrFail({ id }), replayed: false };
    // The same key, sent at once by a concurrent retry: that request's row.
    const holder =
      idempotencyKey === null ? null : await this.sessions.findOneBy({ idempotencyKey });
    if (!holder) throw new Error('checkout intent was not recorded');
    return { row: this.sameRequestOrConflict(holder, fingerprint), replayed: true };
  }

  /** Applies defaults and checks what the DTO's decorators cannot; one 400 listing every field. */
  private normalise(dto: CreateCheckoutDto, idempotencyKey: string | null): CheckoutRequestShape {
    const fields: Record<string, string[]> = {};
    const problem = (field: string, message: string) => (fields[field] ??= []).push(message);

    const quantity = dto.quantity ?? 1;
    if (dto.mode === 'subscription' && quantity !== 1) {
      problem('quantity', `quantity must be 1 in subscription mode, got ${quantity}`);
    }
    const redirect = (
      field: 'success_url' | 'cancel_url',
      given: string | undefined,
      fallback: string,
    ): string => {
      if (given === undefined) return resolveConfiguredUrl(fallback, this.config.publicBaseUrl);
      const check = checkRedirectUrl(given, this.redirectPolicy);
      if (check.ok) return check.url;
      problem(field, `${field} ${check.reason}`);
      return given;
    };
    const successUrl = redirect('success_url', dto.success_url, this.config.successUrl);
    const cancelUrl = redirect('cancel_url', dto.cancel_url, this.config.cancelUrl);
    for (const message of metadataProblems(dto.metadata ?? {}))
      problem('metadata', `metadata ${message}`);
    const keyProblem = idempotencyKey === null ? null : idempotencyKeyProblem(idempotencyKey);
    if (keyProblem) problem('Idempotency-Key', `Idempotency-Key header ${keyProblem}`);

    if (Object.keys(fields).length > 0) {
      const summary = Object.values(fields).flat().join('; ');
      throw new ValidationError(`Validation failed: ${summary}`, fields);
    }
    return {
      priceId: dto.price_id,
      mode: dto.mode,
      quantity,
      successUrl,
      cancelUrl,
      customerRef: dto.customer_ref ?? null,
      customerEmail: dto.customer_email ?? null,
      metadata: { ...(dto.metadata as Record<string, string> | undefined) },
    };
  }

  private sameRequestOrConflict(
    existing: CheckoutSessionEntity,
    fingerprint: string,
  ): CheckoutSessionEntity {
    if (existing.requestFingerprint !== fingerprint) {
      throw new ConflictError(
        'This Idempotency-Key was already used with a different request body; use a new key for a new checkout',
        { session_id: existing.providerSessionId },
      );
    }
    return existing;
  }

  /**
   * The provider's answer on the intent row (unless a webhook already adopted the row): by the
   * request that asked, or by the settling job that looked the session up.
   */
  async complete(
    intent: CheckoutSessionEntity,
    snapshot: CheckoutSessionSnapshot,
    customerId: number | null,
  ): Promise<CheckoutSessionEntity> {
    await this.sessions
      .createQueryBuilder()
      .update()
      .set({
        providerSessionId: snapshot.id,
        status: snapshot.status,
        paymentStatus: snapshot.paymentStatus,
        customerId: customerId ?? undefined,
        url: snapshot.url,
        expiresAt: snapshot.expiresAt,
        amountTotal: snapshot.amountTotal,
        currency: snapshot.currency,
        providerPaymentIntentId: snapshot.paymentIntentId,
        providerSubscriptionId: snapshot.subscriptionId,
      })
      .where('id = :id AND url IS NULL', { id: intent.id })
      .execute();
    // A webhook may have adopted the intent first (its session id is already there): fill the URL.
    await this.sessions
      .createQueryBuilder()
      .update()
      .set({ url: snapshot.url })
      .where('id = :id AND url IS NULL', { id: intent.id })
      .execute();
    return this.sessions.findOneByOrFail({ id: intent.id });
  }
}

/** Past the provider's longest session life (24 h): an intent never completed is expired after this. */
export const INTENT_LIFETIME_MS = 25 * 3600_000;

/** An intent still waiting for the provider's outcome: answered 202 (DESIGN §9). */
export function isPending(row: CheckoutSessionEntity): boolean {
  return isIntent(row) && row.status === 'open';
}

/**
 * Whether a retry may ask the provider again with the intent's key: while the intent is open
 * and the provider still remembers the key (past IDEMPOTENCY_WINDOW_MS the same key could make
 * a second session; the settling job looks it up instead).
 */
function mayResend(row: CheckoutSessionEntity): boolean {
  return isPending(row) && Date.now() - row.createdAt.getTime() < IDEMPOTENCY_WINDOW_MS;
}

/** A checkout row written before the provider call, that has not learnt its session yet. */
export function isIntent(row: CheckoutSessionEntity): boolean {
  return row.url === null && row.providerSessionId.startsWith(INTENT_PREFIX);
}

/** The random part of the intent's placeholder id: the provider key of a keyless request. */
function intentKeyOf(row: CheckoutSessionEntity): string {
  return row.providerSessionId.slice(INTENT_PREFIX.length);
}
