import { laterOf, orderOf } from '../ledger/mirror-ordering';
import type { SubscriptionSnapshot } from '../payment-provider/payment-provider.types';
import type { SubscriptionEntity, SubscriptionStatus } from './entities/subscription.entity';

/*
 * Pure decisions about applying a provider's subscription snapshot to our row
 * (DESIGN §4): events arrive in any order, are replayed, and share seconds.
 */

/** What the provider event says happened to the subscription. */
export type SubscriptionAction = 'created' | 'updated' | 'deleted';

/** The domain events an applied change announces, in order. */
export type SubscriptionEventKind = 'created' | 'updated' | 'canceled';

/** A subscription that has ended can never become live again at the provider. */
export const ENDED_SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = [
  'canceled',
  'incomplete_expired',
];

export function isEnded(status: SubscriptionStatus): boolean {
  return ENDED_SUBSCRIPTION_STATUSES.includes(status);
}

/** The row's columns that follow the provider snapshot. */
export type MirroredSubscription = Pick<
  SubscriptionEntity,
  | 'providerCustomerId'
  | 'status'
  | 'priceId'
  | 'planName'
  | 'quantity'
  | 'currentPeriodStart'
  | 'currentPeriodEnd'
  | 'cancelAtPeriodEnd'
  | 'cancelAt'
  | 'canceledAt'
  | 'endedAt'
  | 'trialEnd'
  | 'metadata'
>;

/** What the decision needs to know about the row as it is (locked). */
export type SubscriptionRowState = MirroredSubscription &
  Pick<SubscriptionEntity, 'providerUpdatedAt'>;

export interface IncomingSubscriptionChange {
  action: SubscriptionAction;
  /** The provider event's time (whole seconds). */
  occurredAt: Date;
  snapshot: SubscriptionSnapshot;
}

export type SubscriptionDecision =
  | {
      apply: true;
      insert: boolean;
      fields: MirroredSubscription;
      /** Never moves backwards. */
      providerUpdatedAt: Date;
      emit: SubscriptionEventKind[];
    }
  | { apply: false; reason: 'stale' | 'ended' | 'created_after_later_change' };

/** The columns a snapshot sets. A deleted subscription has ended whatever status the payload shows. */
export function mirroredFields(
  snapshot: SubscriptionSnapshot,
  action: SubscriptionAction,
): MirroredSubscription {
  const status: SubscriptionStatus =
    action === 'deleted' && !isEnded(snapshot.status) ? 'canceled' : snapshot.status;
  return {
    providerCustomerId: snapshot.customerId,
    status,
    priceId: snapshot.priceId,
    planName: snapshot.planName,
    quantity: snapshot.quantity,
    currentPeriodStart: snapshot.currentPeriodStart,
    currentPeriodEnd: snapshot.currentPeriodEnd,
    cancelAtPeriodEnd: snapshot.cancelAtPeriodEnd,
    cancelAt: snapshot.cancelAt,
    canceledAt: snapshot.canceledAt,
    endedAt: snapshot.endedAt,
    trialEnd: snapshot.trialEnd,
    metadata: { ...snapshot.metadata },
  };
}

export function sameTime(a: Date | null, b: Date | null): boolean {
  return a === null || b === null ? a === b : a.getTime() === b.getTime();
}

function sameMetadata(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

export function sameMirroredState(a: MirroredSubscription, b: MirroredSubscription): boolean {
  return (
    a.providerCustomerId === b.providerCustomerId &&
    a.status === b.status &&
    a.priceId === b.priceId &&
    a.planName === b.planName &&
    a.quantity === b.quantity &&
    sameTime(a.currentPeriodStart, b.currentPeriodStart) &&
    sameTime(a.currentPeriodEnd, b.currentPeriodEnd) &&
    a.cancelAtPeriodEnd === b.cancelAtPeriodEnd &&
    sameTime(a.cancelAt, b.cancelAt) &&
    sameTime(a.canceledAt, b.canceledAt) &&
    sameTime(a.endedAt, b.endedAt) &&
    sameTime(a.trialEnd, b.trialEnd) &&
    sameMetadata(a.metadata, b.metadata)
  );
}

/**
 * Whether and how a provider snapshot changes our row.
 *
 * - No row yet: insert, whatever the action (`updated` or `deleted` may come first).
 * - An ended row (canceled, incomplete_expired) is terminal: a live snapshot never
 *   revives it, even from the same second or a later-stamped event.
 * - An ended snapshot wins over a live row even when its event is older: the provider
 *   cannot have made the subscription live again after it ended.
 * - Otherwise the newer event wins; an event of the same second as the row is applied
 *   again (a replay re-emits its events), except `created`, which is the first event of
 *   a subscription's life: at the same second it only applies when it is the replay of
 *   the state the row already has.
 */
export function decideSubscriptionChange(
  row: SubscriptionRowState | null,
  incoming: IncomingSubscriptionChange,
): SubscriptionDecision {
  const fields = mirroredFields(incoming.snapshot, incoming.action);
  const cancels = fields.status === 'canceled';
  if (row === null) {
    return {
      apply: true,
      insert: true,
      fields,
      providerUpdatedAt: incoming.occurredAt,
      emit: cancels ? ['created', 'canceled'] : ['created'],
    };
  }

  const incomingEnded = isEnded(fields.status);
  const order = orderOf(incoming.occurredAt, row.providerUpdatedAt);
  const sameSecond = order === 'same';

  if (isEnded(row.status) && !incomingEnded) return { apply: false, reason: 'ended' };
  const endsLiveRow = incomingEnded && !isEnded(row.status);
  if (!endsLiveRow) {
    if (order === 'older') return { apply: false, reason: 'stale' };
    if (sameSecond && incoming.action === 'created' && !sameMirroredState(row, fields)) {
      return { apply: false, reason: 'created_after_later_change' };
    }
  }

  const providerUpdatedAt = laterOf(incoming.occurredAt, row.providerUpdatedAt);
  let event: SubscriptionEventKind = 'updated';
  // Announced when the row becomes canceled, and again when the event that canceled it is replayed.
  if (cancels && (row.status !== 'canceled' || sameSecond)) event = 'canceled';
  else if (incoming.action === 'created' && sameSecond) event = 'created';
  return { apply: true, insert: false, fields, providerUpdatedAt, emit: [event] };
}
