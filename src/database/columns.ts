import type { ValueTransformer } from 'typeorm';

/**
 * pg returns bigint as a string. Money is in minor units, which always fits a
 * JS safe integer; anything else is a bug we want to hear about, not round.
 */
export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null): number | null => {
    if (value === null || value === undefined) return null;
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed))
      throw new Error(`bigint ${value} is outside the safe integer range`);
    return parsed;
  },
};
