import type { SubscriptionEntity } from './entities/subscription.entity';

/** A subscription as the API and the domain events show it (DESIGN §6.0). */
export interface SubscriptionResource {
  id: number;
  status: SubscriptionEntity['status'];
  price_id: string | null;
  plan_name: string | null;
  quantity: number;
  /** The app's user id, when the subscription's customer is known to belong to one. */
  customer_ref: string | null;
  provider: string;
  provider_subscription_id: string;
  provider_customer_id: string | null;
  current_period_start: string | null;
  /** With cancel_at_period_end, the day access ends ("Cancels on April 30"). */
  current_period_end: string | null;
  cancel_at_period_end: boolean;
  cancel_at: string | null;
  canceled_at: string | null;
  ended_at: string | null;
  trial_end: string | null;
  metadata: Record<string, string>;
  /**
   * A cancel (`cancel_at_period_end`) or `resume` asked of the provider whose outcome is not
   * known yet (the API answered 202): the service settles it; null when nothing is pending.
   */
  pending_change: SubscriptionEntity['pendingChange'];
  /** When the pending change was asked for; null when nothing is pending. */
  pending_change_requested_at: string | null;
  created_at: string;
  updated_at: string;
}

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

export function toSubscriptionResource(row: SubscriptionEntity): SubscriptionResource {
  return {
    id: row.id,
    status: row.status,
    price_id: row.priceId,
    plan_name: row.planName,
    quantity: row.quantity,
    customer_ref: row.customerRef,
    provider: row.provider,
    provider_subscription_id: row.providerSubscriptionId,
    provider_customer_id: row.providerCustomerId,
    current_period_start: iso(row.currentPeriodStart),
    current_period_end: iso(row.currentPeriodEnd),
    cancel_at_period_end: row.cancelAtPeriodEnd,
    cancel_at: iso(row.cancelAt),
    canceled_at: iso(row.canceledAt),
    ended_at: iso(row.endedAt),
    trial_end: iso(row.trialEnd),
    metadata: row.metadata,
    pending_change: row.pendingChange,
    pending_change_requested_at: iso(row.pendingChangeRequestedAt),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
