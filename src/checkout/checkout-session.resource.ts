import { withoutMarker } from './checkout-metadata';
import type { CheckoutSessionEntity } from './entities/checkout-session.entity';

/** A checkout session as the API and the domain events show it (DESIGN §6.0). */
export interface CheckoutSessionResource {
  /** The provider's session id (cs_…): how a session is addressed. */
  session_id: string;
  status: CheckoutSessionEntity['status'];
  /** The provider's: paid | unpaid | no_payment_required */
  payment_status: string | null;
  mode: CheckoutSessionEntity['mode'];
  checkout_url: string | null;
  expires_at: string | null;
  /** Our charge row (one-time mode), once the payment is known. */
  transaction_id: number | null;
  /** Our subscription row (subscription mode), once it is known. */
  subscription_id: number | null;
  customer_ref: string | null;
  price_id: string;
  quantity: number;
  amount_total: number | null;
  currency: string | null;
  metadata: Record<string, string>;
  provider: string;
  provider_payment_intent_id: string | null;
  provider_subscription_id: string | null;
  created_at: string;
  updated_at: string;
}

/** The response of POST /checkout. */
export interface CreatedCheckoutResource {
  session_id: string;
  checkout_url: string | null;
  expires_at: string | null;
}

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

/** `subscriptionId` may be given when the row itself is not linked yet but the subscription is known. */
export function toCheckoutSessionResource(
  row: CheckoutSessionEntity,
  subscriptionId: number | null = row.subscriptionId,
): CheckoutSessionResource {
  return {
    session_id: row.providerSessionId,
    status: row.status,
    payment_status: row.paymentStatus,
    mode: row.mode,
    checkout_url: row.url,
    expires_at: iso(row.expiresAt),
    transaction_id: row.transactionId,
    subscription_id: subscriptionId,
    customer_ref: row.externalRef,
    price_id: row.priceId,
    quantity: row.quantity,
    amount_total: row.amountTotal,
    currency: row.currency,
    metadata: withoutMarker(row.metadata ?? {}),
    provider: row.provider,
    provider_payment_intent_id: row.providerPaymentIntentId,
    provider_subscription_id: row.providerSubscriptionId,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function toCreatedCheckoutResource(row: CheckoutSessionEntity): CreatedCheckoutResource {
  return {
    session_id: row.providerSessionId,
    checkout_url: row.url,
    expires_at: iso(row.expiresAt),
  };
}
