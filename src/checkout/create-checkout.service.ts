import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ConflictError, ValidationError } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { CustomersService } from '../customers/customers.service';
import {
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
import type { CreateCheckoutDto } from './dto/create-checkout.dto';
import { CheckoutSessionEntity, type CheckoutMode } from './entities/checkout-session.entity';
import { checkRedirectUrl, resolveConfiguredUrl, type RedirectPolicy } from './redirect-policy';

export interface CreatedCheckout {
  session: CheckoutSessionEntity;
  /** true when an Idempotency-Key retry returned the session made by the first request. */
  replayed: boolean;
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
    @InjectRepository(CheckoutSessionEntity)
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
    if (idempotencyKey !== null) {
      const existing = await this.sessions.findOneBy({ idempotencyKey });
      if (existing)
        return { session: this.sameRequestOrConflict(existing, fingerprint), replayed: true };
    }

    const customer = request.customerRef
      ? await this.customers.findOrCreate(request.customerRef, request.customerEmail ?? undefined)
      : null;
    const snapshot = await this.provider.createCheckoutSession({
      mode: request.mode as CheckoutMode,
      priceId: request.priceId,
      quantity: request.quantity,
      successUrl: request.successUrl,
      cancelUrl: request.cancelUrl,
      providerCustomerId: customer?.providerCustomerId,
      customerEmail: customer ? undefined : (request.customerEmail ?? undefined),
      clientReferenceId: request.customerRef ?? undefined,
      metadata: providerMetadata(request.metadata, request.mode as CheckoutMode),
      idempotencyKey: providerIdempotencyKey(idempotencyKey, fingerprint),
    });
    return this.record(request, snapshot, customer?.id ?? null, idempotencyKey, fingerprint);
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

  private async record(
    request: CheckoutRequestShape,
    snapshot: CheckoutSessionSnapshot,
    customerId: number | null,
    idempotencyKey: string | null,
    fingerprint: string,
  ): Promise<CreatedCheckout> {
    // A concurrent retry with the same key may have recorded the same provider session first.
    await this.sessions
      .createQueryBuilder()
      .insert()
      .values({
        provider: this.provider.name,
        providerSessionId: snapshot.id,
        mode: request.mode as CheckoutMode,
        priceId: request.priceId,
        quantity: request.quantity,
        status: snapshot.status,
        paymentStatus: snapshot.paymentStatus,
        customerId,
        externalRef: request.customerRef,
        url: snapshot.url,
        successUrl: request.successUrl,
        cancelUrl: request.cancelUrl,
        expiresAt: snapshot.expiresAt,
        amountTotal: snapshot.amountTotal,
        currency: snapshot.currency,
        metadata: request.metadata,
        providerPaymentIntentId: snapshot.paymentIntentId,
        providerSubscriptionId: snapshot.subscriptionId,
        idempotencyKey,
        requestFingerprint: fingerprint,
        providerUpdatedAt: null,
      })
      .orIgnore()
      .execute();
    const recorded = await this.sessions.findOneBy({
      provider: this.provider.name,
      providerSessionId: snapshot.id,
    });
    if (recorded) return { session: recorded, replayed: false };
    // The key was taken meanwhile by a request with another body (hence another provider session).
    const holder =
      idempotencyKey === null ? null : await this.sessions.findOneBy({ idempotencyKey });
    if (!holder) throw new Error(`checkout session ${snapshot.id} was not recorded`);
    return { session: this.sameRequestOrConflict(holder, fingerprint), replayed: true };
  }
}
