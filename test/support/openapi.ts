import { registeredRoutes } from './route-table';
import type { INestApplication } from '@nestjs/common';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
export const CLIENT_DIR = path.join(ROOT, 'test/openapi-client');
export const CLIENT_PROGRAM = path.join(CLIENT_DIR, 'client-program.ts');

// The document is untyped JSON walked by tests.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface DocumentedRoute {
  method: HttpMethod;
  /** In OpenAPI form: /api/v1/payment/refund/{transactionId} */
  path: string;
}

/**
 * Every route the app serves (see route-table.ts), in OpenAPI form; the
 * documentation routes (/docs…) that SwaggerModule adds are left out.
 */
export function documentedRoutes(app: INestApplication): DocumentedRoute[] {
  return registeredRoutes(app)
    .filter((route) => !route.path.startsWith('/docs'))
    .map((route) => ({
      method: route.method as HttpMethod,
      path: route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
    }));
}

/** Generates the client types from a document, as a user would: the openapi-typescript CLI. */
export async function generateClientTypes(document: Json, outFile: string): Promise<void> {
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  const input = `${outFile}.openapi.json`;
  fs.writeFileSync(input, JSON.stringify(document));
  try {
    await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'), input, '--output', outFile],
      { cwd: ROOT, timeout: 60_000 },
    );
  } finally {
    fs.rmSync(input, { force: true });
  }
}

/** `tsc --noEmit` on the given files (strict, as the project compiles); the diagnostics, formatted. */
export function typeCheck(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    esModuleInterop: true,
    types: [],
    skipLibCheck: true,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return text;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(ROOT, d.file.fileName)}:${line + 1}:${character + 1} ${text}`;
  });
}

/** The schema a response of an operation is documented with (application/json). */
export function responseSchema(
  document: Json,
  method: HttpMethod,
  docPath: string,
  status: number,
): Json | undefined {
  return document.paths?.[docPath]?.[method]?.responses?.[String(status)]?.content?.[
    'application/json'
  ]?.schema;
}

/**
 * Checks a value against an OpenAPI 3.0 schema (the subset the document uses:
 * $ref, type, nullable, enum, properties, required, additionalProperties, items,
 * allOf, oneOf). Returns the problems, each with its JSON path; [] when it conforms.
 * Objects are closed unless they say additionalProperties: a field the code sends
 * but the document does not know is drift too.
 */
export function schemaProblems(document: Json, schema: Json, value: unknown, at = '$'): string[] {
  if (schema.$ref) {
    const name = String(schema.$ref).replace('#/components/schemas/', '');
    const target = document.components?.schemas?.[name];
    if (!target) return [`${at}: unknown schema ${schema.$ref}`];
    return schemaProblems(document, target, value, at);
  }
  if (value === null) return schema.nullable ? [] : [`${at}: null but not nullable`];
  if (schema.allOf)
    return schema.allOf.flatMap((s: Json) => schemaProblems(document, s, value, at));
  if (schema.oneOf) {
    const fits = schema.oneOf.filter(
      (s: Json) => schemaProblems(document, s, value, at).length === 0,
    );
    return fits.length === 1 ? [] : [`${at}: matches ${fits.length} of oneOf`];
  }
  if (schema.enum && !schema.enum.includes(value))
    return [`${at}: ${JSON.stringify(value)} not in enum ${JSON.stringify(schema.enum)}`];
  const type: string | undefined = schema.type;
  const actual = Array.isArray(value) ? 'array' : typeof value;
  switch (type) {
    case undefined:
      return [];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at}: ${JSON.stringify(value)} is not an integer`];
    case 'number':
    case 'string':
    case 'boolean':
      return actual === type ? [] : [`${at}: ${actual} where ${type} is documented`];
    case 'array':
      if (!Array.isArray(value)) return [`${at}: ${actual} where array is documented`];
      return value.flatMap((item, i) =>
        schemaProblems(document, schema.items ?? {}, item, `${at}[${i}]`),
      );
    case 'object': {
      if (actual !== 'object') return [`${at}: ${actual} where object is documented`];
      const record = value as Record<string, unknown>;
      const properties: Json = schema.properties ?? {};
      const problems: string[] = [];
      for (const name of schema.required ?? [])
        if (!(name in record)) problems.push(`${at}.${name}: required but missing`);
      for (const [name, item] of Object.entries(record)) {
        const propertySchema = properties[name];
        if (propertySchema) {
          problems.push(...schemaProblems(document, propertySchema, item, `${at}.${name}`));
        } else if (
          schema.additionalProperties === undefined ||
          schema.additionalProperties === false
        ) {
          problems.push(`${at}.${name}: sent but not documented`);
        } else if (typeof schema.additionalProperties === 'object') {
          problems.push(
            ...schemaProblems(document, schema.additionalProperties, item, `${at}.${name}`),
          );
        }
      }
      return problems;
    }
    default:
      return [`${at}: unsupported schema type ${type}`];
  }
}
