/*
 * The one ordering rule of every mirrored object (DESIGN §4, §6.1): provider events arrive in
 * any order, concurrently and replayed, and their times are whole seconds. An event older than
 * the stored change time never overwrites the row; a newer one applies; one of the same second
 * applies again (a replay is idempotent and re-announces) unless the object's own status graph
 * says it would step back. Each object keeps its status graph as data (checkout-ordering.policy,
 * subscription-ordering.policy, dispute-status, refund-math, invoice-charge.policy) and asks
 * this rule about time.
 */

/** How an event's time compares with the stored change time (null: nothing stored yet). */
export type ChangeOrder = 'newer' | 'same' | 'older';

export function orderOf(occurredAt: Date, storedAt: Date | null): ChangeOrder {
  if (storedAt === null) return 'newer';
  const diff = occurredAt.getTime() - storedAt.getTime();
  return diff > 0 ? 'newer' : diff < 0 ? 'older' : 'same';
}

/** The event is older than what the row holds: it must not overwrite it. */
export function isOlder(occurredAt: Date, storedAt: Date | null): boolean {
  return orderOf(occurredAt, storedAt) === 'older';
}

/**
 * Whether a change applies: newer always, older never, the same second when the object's
 * status graph says it does not step back (`sameSecond`, default: it applies).
 */
export function appliesInOrder(
  occurredAt: Date,
  storedAt: Date | null,
  sameSecond: () => boolean = () => true,
): boolean {
  const order = orderOf(occurredAt, storedAt);
  return order === 'newer' || (order === 'same' && sameSecond());
}

/** The row's change time after applying an event: the later of the two. */
export function laterOf(occurredAt: Date, storedAt: Date | null): Date {
  return storedAt !== null && storedAt.getTime() > occurredAt.getTime() ? storedAt : occurredAt;
}
