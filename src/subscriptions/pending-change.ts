import type { SubscriptionSnapshot } from '../payment-provider/payment-provider.types';
import type { PendingSubscriptionChange, SubscriptionEntity } from './entities/subscription.entity';
import { isEnded } from './subscription-ordering.policy';

/** The columns that say no cancel / resume is waiting for the provider's outcome. */
export const NO_PENDING_CHANGE = {
  pendingChange: null,
  pendingChangeRequestedAt: null,
  pendingChangeKey: null,
} satisfies Partial<SubscriptionEntity>;

/** The value of cancel_at_period_end the change asks for. */
export function cancelAtPeriodEndOf(change: PendingSubscriptionChange): boolean {
  return change === 'cancel_at_period_end';
}

/**
 * Whether the provider's state (a webhook's, a re-send's answer) settles the pending change: it
 * shows what was asked for, or the subscription has ended (nothing left to change).
 */
export function settlesPendingChange(
  pending: PendingSubscriptionChange | null,
  state: Pick<SubscriptionSnapshot, 'cancelAtPeriodEnd' | 'status'>,
): boolean {
  if (pending === null) return false;
  return isEnded(state.status) || state.cancelAtPeriodEnd === cancelAtPeriodEndOf(pending);
}
