import { decodeSandboxJson, encodeSandboxJson } from './sandbox-postgres.store';
import { TrackedMap } from './sandbox.store';

describe('sandbox JSON encoding', () => {
  it('keeps Dates (idempotency records hold snapshots with Date fields) and everything else as JSON', () => {
    const value = {
      expiresAt: new Date('2026-11-30T19:08:08.000Z'),
      nested: [{ at: new Date(0) }],
      amount: 2900,
      metadata: { $date: 'not alone', other: 1 },
      none: null,
    };
    const decoded = decodeSandboxJson(encodeSandboxJson(value)) as typeof value;
    expect(decoded).toEqual(value);
    expect(Object.prototype.toString.call(decoded.expiresAt)).toBe('[object Date]');
    expect(decoded.metadata).toEqual({ $date: 'not alone', other: 1 });
  });
});

describe('TrackedMap', () => {
  it('remembers keys read or written, all keys when iterated, and forgets them when taken', () => {
    const map = new TrackedMap<number>();
    map.load('a', 1);
    map.load('b', 2);
    expect(map.takeTouched()).toEqual([]);
    map.get('a');
    map.set('c', 3);
    map.get('missing');
    map.peek('b');
    expect(map.takeTouched().sort()).toEqual(['a', 'c']);
    expect([...map.values()]).toEqual([1, 2, 3]);
    expect(map.takeTouched().sort()).toEqual(['a', 'b', 'c']);
    expect(map.takeTouched()).toEqual([]);
  });
});
