import { addInterval } from './sandbox-clock';
import { ManualClock } from './sandbox.testing';

const at = (iso: string): number => Date.parse(iso) / 1000;
const iso = (unix: number): string => new Date(unix * 1000).toISOString();

describe('addInterval', () => {
  it.each([
    ['2026-01-15T10:00:00.000Z', 'month', 1, '2026-02-15T10:00:00.000Z'],
    ['2026-01-31T12:00:00.000Z', 'month', 1, '2026-02-28T12:00:00.000Z'],
    ['2026-01-31T12:00:00.000Z', 'month', 2, '2026-03-31T12:00:00.000Z'],
    ['2028-01-31T12:00:00.000Z', 'month', 1, '2028-02-29T12:00:00.000Z'],
    ['2026-12-15T00:00:00.000Z', 'month', 1, '2027-01-15T00:00:00.000Z'],
    ['2028-02-29T08:30:00.000Z', 'year', 1, '2029-02-28T08:30:00.000Z'],
    ['2026-05-01T00:00:00.000Z', 'year', 2, '2028-05-01T00:00:00.000Z'],
  ] as const)(
    '%s + %s × %d = %s (anchor day kept, clamped to month end)',
    (from, interval, count, to) => {
      expect(iso(addInterval(at(from), interval, count))).toBe(to);
    },
  );
});

describe('SandboxClock', () => {
  it('runs with real time and moves forward by whole seconds only', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    expect(iso(clock.now())).toBe('2026-01-01T00:00:00.000Z');
    clock.advance(3600);
    expect(iso(clock.now())).toBe('2026-01-01T01:00:00.000Z');
    expect(clock.offset()).toBe(3600);
    clock.setRealTime(Date.UTC(2026, 0, 1, 0, 0, 30));
    expect(iso(clock.now())).toBe('2026-01-01T01:00:30.000Z');
    expect(() => clock.advance(0)).toThrow(RangeError);
    expect(() => clock.advance(-5)).toThrow(RangeError);
    expect(() => clock.advance(1.5)).toThrow(RangeError);
  });
});
