import { ApiParam, ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';

/**
 * Explicit property decorators for response classes. Without the swagger CLI
 * plugin, `string | null` reflects as Object, so every field states its type.
 */
type Options = Omit<ApiPropertyOptions, 'type' | 'nullable' | 'format'>;

export const ApiString = (options: Options = {}): PropertyDecorator =>
  ApiProperty({ type: 'string', ...options } as ApiPropertyOptions);
export const ApiNullableString = (options: Options = {}): PropertyDecorator =>
  ApiProperty({ type: 'string', nullable: true, ...options } as ApiPropertyOptions);
export const ApiInteger = (options: Options = {}): PropertyDecorator =>
  ApiProperty({ type: 'integer', ...options } as ApiPropertyOptions);
export const ApiNullableInteger = (options: Options = {}): PropertyDecorator =>
  ApiProperty({ type: 'integer', nullable: true, ...options } as ApiPropertyOptions);
export const ApiBoolean = (options: Options = {}): PropertyDecorator =>
  ApiProperty({ type: 'boolean', ...options } as ApiPropertyOptions);
export const ApiDateTime = (options: Options = {}): PropertyDecorator =>
  ApiProperty({
    type: 'string',
    format: 'date-time',
    example: '2026-01-31T12:00:00.000Z',
    ...options,
  } as ApiPropertyOptions);
export const ApiNullableDateTime = (options: Options = {}): PropertyDecorator =>
  ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    example: '2026-01-31T12:00:00.000Z',
    ...options,
  } as ApiPropertyOptions);
/** A string-to-string map, e.g. metadata. */
export const ApiStringMap = (options: Options = {}): PropertyDecorator =>
  ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { order_id: '42' },
    ...options,
  } as ApiPropertyOptions);

/**
 * The values of a string union, checked by the compiler to list every member:
 * `allValues<DisputeKind>()('chargeback', 'fraud_warning')`.
 */
export function allValues<T extends string>() {
  return <const A extends readonly T[]>(
    ...values: A & ([Exclude<T, A[number]>] extends [never] ? unknown : never)
  ): A => values;
}

/** The response header of a POST answered from its Idempotency-Key (a retry). */
export const IDEMPOTENT_REPLAYED_HEADER = {
  'Idempotent-Replayed': {
    description: 'true when this is the stored answer to an earlier request with the same key',
    schema: { type: 'string', enum: ['true'] },
  },
};

/** A path parameter that is one of our integer row ids (ParseIntPipe: anything else is a 400). */
export const ApiIdParam = (name: string, description = 'our id'): MethodDecorator =>
  ApiParam({ name, type: 'integer', description, example: 42 });
