import type {
  SubscriptionSnapshot,
  SubscriptionStatus,
} from '../payment-provider/payment-provider.types';
import {
  decideSubscriptionChange,
  mirroredFields,
  type SubscriptionAction,
  type SubscriptionDecision,
  type SubscriptionRowState,
} from './subscription-ordering.policy';

const T = 1_767_225_600;
const at = (seconds: number): Date => new Date((T + seconds) * 1000);

function snapshot(overrides: Partial<SubscriptionSnapshot> = {}): SubscriptionSnapshot {
  return {
    id: 'sub_1',
    customerId: 'cus_1',
    status: 'active',
    priceId: 'price_monthly',
    planName: 'Pro monthly',
    quantity: 1,
    currentPeriodStart: at(0),
    currentPeriodEnd: at(31 * 86400),
    cancelAtPeriodEnd: false,
    cancelAt: null,
    canceledAt: null,
    endedAt: null,
    trialEnd: null,
    metadata: { plan: 'pro' },
    ...overrides,
  };
}

function row(
  status: SubscriptionStatus,
  providerUpdatedAtSecond: number | null,
  overrides: Partial<SubscriptionSnapshot> = {},
): SubscriptionRowState {
  return {
    ...mirroredFields(snapshot({ status, ...overrides }), 'updated'),
    providerUpdatedAt: providerUpdatedAtSecond === null ? null : at(providerUpdatedAtSecond),
  };
}

type Expected =
  | { apply: true; insert?: boolean; emit: string[]; providerUpdatedAtSecond: number }
  | { apply: false; reason: string };

function summary(decision: SubscriptionDecision): Expected {
  if (!decision.apply) return { apply: false, reason: decision.reason };
  return {
    apply: true,
    insert: decision.insert,
    emit: decision.emit,
    providerUpdatedAtSecond: decision.providerUpdatedAt.getTime() / 1000 - T,
  };
}

const applied = (emit: string[], second: number, insert = false): Expected => ({
  apply: true,
  insert,
  emit,
  providerUpdatedAtSecond: second,
});
const skipped = (reason: string): Expected => ({ apply: false, reason });

interface Case {
  name: string;
  row: SubscriptionRowState | null;
  /** The event's action and second; `snap` overrides the snapshot it carries. */
  event: [SubscriptionAction, number];
  snap?: Partial<SubscriptionSnapshot>;
  want: Expected;
}

const canceled = { status: 'canceled' as const, endedAt: at(50), canceledAt: at(50) };
const canceledRow = (second: number) => row('canceled', second, canceled);
const scheduled = { cancelAtPeriodEnd: true };

const CASES: Case[] = [
  {
    name: 'created inserts a new row',
    row: null,
    event: ['created', 10],
    want: applied(['created'], 10, true),
  },
  {
    name: 'updated before created inserts (upsert)',
    row: null,
    event: ['updated', 20],
    want: applied(['created'], 20, true),
  },
  {
    name: 'deleted first inserts a canceled row and announces both',
    row: null,
    event: ['deleted', 30],
    snap: canceled,
    want: applied(['created', 'canceled'], 30, true),
  },
  {
    name: 'a newer update applies',
    row: row('active', 10),
    event: ['updated', 20],
    snap: scheduled,
    want: applied(['updated'], 20),
  },
  {
    name: 'an older update is skipped',
    row: row('active', 20),
    event: ['updated', 10],
    snap: scheduled,
    want: skipped('stale'),
  },
  {
    name: 'an update of the same second applies again (replay)',
    row: row('active', 20),
    event: ['updated', 20],
    want: applied(['updated'], 20),
  },
  {
    name: 'a row without a provider time takes any event',
    row: row('active', null),
    event: ['updated', 5],
    want: applied(['updated'], 5),
  },
  {
    name: 'created after a later update is skipped',
    row: row('active', 20, scheduled),
    event: ['created', 10],
    want: skipped('stale'),
  },
  {
    name: 'created of the same second as a different update is skipped',
    row: row('active', 20, scheduled),
    event: ['created', 20],
    want: skipped('created_after_later_change'),
  },
  {
    name: 'created replayed on its own state re-announces created',
    row: row('active', 20),
    event: ['created', 20],
    want: applied(['created'], 20),
  },
  {
    name: 'deleted cancels a live row',
    row: row('active', 20),
    event: ['deleted', 30],
    snap: canceled,
    want: applied(['canceled'], 30),
  },
  {
    name: 'deleted cancels even when its payload shows another status',
    row: row('active', 20),
    event: ['deleted', 30],
    snap: { status: 'active' },
    want: applied(['canceled'], 30),
  },
  {
    name: 'an update to canceled announces canceled',
    row: row('past_due', 20),
    event: ['updated', 30],
    snap: canceled,
    want: applied(['canceled'], 30),
  },
  {
    name: 'an ended snapshot wins over a live row even when older (the time never goes back)',
    row: row('active', 40),
    event: ['deleted', 30],
    snap: canceled,
    want: applied(['canceled'], 40),
  },
  {
    name: 'a stale update after deleted never revives the row',
    row: canceledRow(30),
    event: ['updated', 20],
    want: skipped('ended'),
  },
  {
    name: 'an update of the same second as deleted never revives the row',
    row: canceledRow(30),
    event: ['updated', 30],
    want: skipped('ended'),
  },
  {
    name: 'even a later-stamped live update never revives the row',
    row: canceledRow(30),
    event: ['updated', 40],
    want: skipped('ended'),
  },
  {
    name: 'incomplete_expired is terminal too',
    row: row('incomplete_expired', 30, { status: 'incomplete_expired' }),
    event: ['updated', 40],
    want: skipped('ended'),
  },
  {
    name: 'deleted replayed re-announces canceled',
    row: canceledRow(30),
    event: ['deleted', 30],
    snap: canceled,
    want: applied(['canceled'], 30),
  },
  {
    name: 'a later change to a canceled row is an update, not a second cancellation',
    row: canceledRow(30),
    event: ['updated', 40],
    snap: { ...canceled, metadata: { note: 'x' } },
    want: applied(['updated'], 40),
  },
  {
    name: 'an older canceled snapshot does not overwrite a newer canceled row',
    row: canceledRow(40),
    event: ['deleted', 30],
    snap: canceled,
    want: skipped('stale'),
  },
];

describe('decideSubscriptionChange', () => {
  it.each(CASES)('$name', ({ row: current, event: [action, second], snap, want }) => {
    const decision = decideSubscriptionChange(current, {
      action,
      occurredAt: at(second),
      snapshot: snapshot(snap),
    });
    expect(summary(decision)).toEqual(want);
  });

  it('mirrors every snapshot field, and deleted forces the status to canceled', () => {
    const decision = decideSubscriptionChange(null, {
      action: 'deleted',
      occurredAt: at(1),
      snapshot: snapshot({ status: 'active', quantity: 3, trialEnd: at(7), metadata: { a: 'b' } }),
    });
    expect(decision.apply && decision.fields).toEqual({
      providerCustomerId: 'cus_1',
      status: 'canceled',
      priceId: 'price_monthly',
      planName: 'Pro monthly',
      quantity: 3,
      currentPeriodStart: at(0),
      currentPeriodEnd: at(31 * 86400),
      cancelAtPeriodEnd: false,
      cancelAt: null,
      canceledAt: null,
      endedAt: null,
      trialEnd: at(7),
      metadata: { a: 'b' },
    });
  });
});
