/** Formats rows as a plain-text table for the terminal. */
export function formatTable<T>(
  rows: readonly T[],
  columns: readonly { header: string; value: (row: T) => unknown }[],
): string {
  if (rows.length === 0) return '(none)';
  const cell = (value: unknown): string => {
    if (value === null || value === undefined) return '-';
    if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
      return value.toString();
    return JSON.stringify(value);
  };
  const cells = rows.map((row) => columns.map((column) => cell(column.value(row))));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => line[i].length)),
  );
  const line = (values: string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ].join('\n');
}
