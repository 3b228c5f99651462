import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { ValidationError } from './domain-error';

const NULL_IS_A_VALUE = 'payment:null-is-a-value';

/**
 * On a DTO property: `null` is a meaningful value here (e.g. "no deadline"), so
 * it is kept and validated rather than read as an absent field.
 */
export const NullIsAValue =
  (): PropertyDecorator =>
  (target, property): void => {
    const owner = target.constructor;
    const fields = (Reflect.getMetadata(NULL_IS_A_VALUE, owner) as string[] | undefined) ?? [];
    Reflect.defineMetadata(NULL_IS_A_VALUE, [...fields, String(property)], owner);
  };

/** Deeper JSON than this is refused: no body of ours nests more than three levels. */
export const MAX_INPUT_DEPTH = 16;

/** In `u` mode a well-formed pair is one code point: only a lone surrogate is category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Keys that could reach an object's prototype when a body is copied or merged. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function refuse(field: string, problem: string): never {
  const name = field || 'body';
  throw new ValidationError(`Validation failed: ${name}: ${problem}`, { [name]: [problem] });
}

/** The first thing PostgreSQL could not store or JSON should not carry, with the field it is in. */
function inspect(value: unknown, field: string, depth: number): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) refuse(field, 'must not contain NUL characters');
    if (LONE_SURROGATE.test(value))
      refuse(field, 'is not valid Unicode (it contains a lone surrogate)');
    return;
  }
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return;
  if (depth >= MAX_INPUT_DEPTH)
    refuse(field, `is nested too deeply (at most ${MAX_INPUT_DEPTH} levels)`);
  if (Array.isArray(value)) {
    value.forEach((item, index) => inspect(item, `${field}[${index}]`, depth + 1));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const path = field ? `${field}.${key}` : key;
    inspect(key, path, depth + 1);
    if (FORBIDDEN_KEYS.has(key)) refuse(path, 'is not an allowed field name');
    inspect(item, path, depth + 1);
  }
}

/**
 * Runs before validation on every body, query and path parameter (DESIGN §9:
 * bad input never answers 5xx). Refuses, naming the field, what would fail
 * deeper down: NUL characters and lone surrogates (PostgreSQL and the provider
 * refuse them), prototype keys, and nesting past MAX_INPUT_DEPTH. In a body
 * bound to a DTO, a top-level `null` means the same as an absent field, unless
 * the property is marked @NullIsAValue().
 */
@Injectable()
export class InputSafetyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    inspect(value, metadata.type === 'body' ? '' : (metadata.data ?? ''), 0);
    if (metadata.type === 'body' && isDtoBound(metadata) && isPlainObject(value)) {
      const keep =
        (Reflect.getMetadata(NULL_IS_A_VALUE, metadata.metatype!) as string[] | undefined) ?? [];
      return Object.fromEntries(
        Object.entries(value).filter(([key, item]) => item !== null || keep.includes(key)),
      );
    }
    return value;
  }
}

function isDtoBound(metadata: ArgumentMetadata): boolean {
  const type = metadata.metatype;
  return typeof type === 'function' && type !== Object && type !== Buffer;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value)
  );
}
