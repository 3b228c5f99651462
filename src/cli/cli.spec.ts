import { InvalidArgumentError } from 'commander';
import { parseLimit, parseWholeNumber } from './cli-command';
import { packageVersion } from './run-cli';
import { formatTable } from './table';

describe('option parsers', () => {
  it.each(['1', '50', '1000'])('accepts --limit %s', (value) => {
    expect(parseLimit(value)).toBe(Number(value));
  });

  it.each(['0', '1001', '-1', '2.5', 'ten', ''])('refuses --limit %j', (value) => {
    expect(() => parseLimit(value)).toThrow(InvalidArgumentError);
    expect(() => parseLimit(value)).toThrow('--limit must be an integer from 1 to 1000');
  });

  it('takes whole numbers only for a named flag', () => {
    expect(parseWholeNumber('--older-than-minutes')('0')).toBe(0);
    expect(() => parseWholeNumber('--older-than-minutes')('soon')).toThrow(
      '--older-than-minutes must be a whole number',
    );
  });
});

describe('packageVersion', () => {
  it("is package.json's version", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(packageVersion()).toBe((require('../../package.json') as { version: string }).version);
  });
});

describe('formatTable', () => {
  it('aligns columns and prints dates as ISO', () => {
    const text = formatTable(
      [{ id: 1, at: new Date('2026-01-02T03:04:05Z'), note: null }],
      [
        { header: 'ID', value: (r) => r.id },
        { header: 'AT', value: (r) => r.at },
        { header: 'NOTE', value: (r) => r.note },
      ],
    );
    expect(text.split('\n')).toEqual([
      'ID  AT                    NOTE',
      '--  --------------------  ----',
      '1   2026-01-02T03:04:05Z  -',
    ]);
  });

  it('says (none) for no rows', () => {
    expect(formatTable([], [{ header: 'ID', value: () => 1 }])).toBe('(none)');
  });
});
