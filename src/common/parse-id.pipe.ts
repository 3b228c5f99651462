import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { ValidationError } from './domain-error';

/** Our row ids are PostgreSQL `integer`s. */
export const MAX_ROW_ID = 2_147_483_647;

/** Whether `value` can be one of our row ids (a larger number would make PostgreSQL fail). */
export function isRowId(value: unknown): value is number {
  return (
    typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= MAX_ROW_ID
  );
}

/**
 * A path id of one of our rows: digits only, 1..2147483647. Anything else is a
 * 400 naming the parameter (a larger number would make PostgreSQL fail).
 */
@Injectable()
export class ParseIdPipe implements PipeTransform<string | number, number> {
  transform(value: string | number, metadata: ArgumentMetadata): number {
    // The global ValidationPipe may already have turned the text into a number.
    const id =
      typeof value === 'number' ? value : /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : NaN;
    if (!isRowId(id)) {
      const field = metadata.data ?? 'id';
      const problem = `must be an integer from 1 to ${MAX_ROW_ID}`;
      throw new ValidationError(`Validation failed: ${field}: ${problem}`, { [field]: [problem] });
    }
    return id;
  }
}
