import { Injectable } from '@nestjs/common';
import type { SandboxInterval, UnixSeconds } from './sandbox-objects.types';

/**
 * The sandbox's notion of now: real time plus an offset that
 * POST /sandbox/clock/advance moves forward (like a Stripe test clock), so that
 * renewals and period ends can be demonstrated without waiting a month.
 * Only object times and events' `created` use it; signatures use real time.
 */
@Injectable()
export class SandboxClock {
  private offsetSeconds = 0;

  now(): UnixSeconds {
    return Math.floor(this.realNowMs() / 1000) + this.offsetSeconds;
  }

  /** Moves the clock forward; it never goes back. */
  advance(seconds: number): UnixSeconds {
    if (!Number.isSafeInteger(seconds) || seconds <= 0) {
      throw new RangeError(`the sandbox clock only moves forward by whole seconds, got ${seconds}`);
    }
    this.offsetSeconds += seconds;
    return this.now();
  }

  /** Sets the offset to what was stored (the persistent store, at start and on refresh). */
  restore(offsetSeconds: number): void {
    if (!Number.isSafeInteger(offsetSeconds) || offsetSeconds < 0) {
      throw new RangeError(`invalid stored sandbox clock offset ${offsetSeconds}`);
    }
    this.offsetSeconds = offsetSeconds;
  }

  /** Seconds the clock has been advanced by. */
  offset(): number {
    return this.offsetSeconds;
  }

  protected realNowMs(): number {
    return Date.now();
  }
}

/**
 * The end of period number `count` counted from `anchor`, in UTC: the anchor's
 * day of month, clamped to the month's last day (Jan 31 → Feb 28 → Mar 31), as
 * Stripe bills.
 */
export function addInterval(
  anchor: UnixSeconds,
  interval: SandboxInterval,
  count: number,
): UnixSeconds {
  const start = new Date(anchor * 1000);
  const months = interval === 'year' ? 12 * count : count;
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(start.getUTCDate(), lastDay);
  const end = Date.UTC(
    year,
    month,
    day,
    start.getUTCHours(),
    start.getUTCMinutes(),
    start.getUTCSeconds(),
  );
  return Math.floor(end / 1000);
}
