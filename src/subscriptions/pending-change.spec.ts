import type { SubscriptionStatus } from './entities/subscription.entity';
import { settlesPendingChange } from './pending-change';

describe('settlesPendingChange', () => {
  it.each<[string, 'cancel_at_period_end' | 'resume' | null, boolean, SubscriptionStatus, boolean]>(
    [
      ['nothing pending', null, true, 'active', false],
      ['a pending cancel the provider shows', 'cancel_at_period_end', true, 'active', true],
      [
        'a pending cancel the provider does not show yet',
        'cancel_at_period_end',
        false,
        'active',
        false,
      ],
      ['a pending resume the provider shows', 'resume', false, 'active', true],
      ['a pending resume the provider does not show yet', 'resume', true, 'trialing', false],
      ['a pending resume on a subscription that ended', 'resume', true, 'canceled', true],
      [
        'a pending cancel on an expired incomplete subscription',
        'cancel_at_period_end',
        false,
        'incomplete_expired',
        true,
      ],
    ],
  )('%s → %s', (_name, pending, cancelAtPeriodEnd, status, settles) => {
    expect(settlesPendingChange(pending, { cancelAtPeriodEnd, status })).toBe(settles);
  });
});
