import { appliesInOrder, isOlder, laterOf, orderOf } from './mirror-ordering';

const at = (seconds: number) => new Date(seconds * 1000);

describe('the ordering rule of mirrored objects', () => {
  it.each([
    [10, null, 'newer'],
    [11, 10, 'newer'],
    [10, 10, 'same'],
    [9, 10, 'older'],
  ] as const)('an event at %s against a row stamped %s is %s', (event, stored, order) => {
    expect(orderOf(at(event), stored === null ? null : at(stored))).toBe(order);
    expect(isOlder(at(event), stored === null ? null : at(stored))).toBe(order === 'older');
  });

  it.each([
    [11, 10, false, true],
    [9, 10, true, false],
    [10, 10, true, true],
    [10, 10, false, false],
    [10, null, false, true],
  ] as const)(
    'applies an event at %s over %s (same second allowed: %s): %s',
    (event, stored, sameSecond, applies) => {
      expect(appliesInOrder(at(event), stored === null ? null : at(stored), () => sameSecond)).toBe(
        applies,
      );
    },
  );

  it('keeps the later change time', () => {
    expect(laterOf(at(9), at(10))).toEqual(at(10));
    expect(laterOf(at(11), at(10))).toEqual(at(11));
    expect(laterOf(at(11), null)).toEqual(at(11));
  });
});
