import { parseArgs } from './cli-command';
import { formatTable } from './table';

describe('parseArgs', () => {
  it('separates words from flags in both --flag value and --flag=value forms', () => {
    expect(parseArgs(['disputes', '--status', 'open', '--limit=5', 'x', '--verbose'])).toEqual({
      positional: ['disputes', 'x'],
      flags: { status: 'open', limit: '5', verbose: true },
    });
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
