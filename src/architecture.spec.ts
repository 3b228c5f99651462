import * as fs from 'node:fs';
import * as path from 'node:path';

/** The dependency rules of DESIGN §5 and §10, checked on the source text. */
const SRC = __dirname;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

const importsOf = (file: string): string[] =>
  [...fs.readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);

const relative = (file: string) => path.relative(SRC, file);
const FEATURES = ['checkout', 'subscriptions', 'refunds', 'disputes', 'transactions', 'customers'];

describe('architecture', () => {
  const files = sourceFiles(SRC);

  it('imports the stripe SDK only in payment-provider/stripe/', () => {
    const offenders = files
      .filter((file) => !relative(file).startsWith(`payment-provider${path.sep}stripe${path.sep}`))
      .filter((file) => importsOf(file).includes('stripe'));
    expect(offenders.map(relative)).toEqual([]);
  });

  it('keeps features away from the provider implementations', () => {
    const offenders = files
      .filter((file) =>
        FEATURES.some((feature) => relative(file).startsWith(`${feature}${path.sep}`)),
      )
      .filter((file) =>
        importsOf(file).some((spec) => /payment-provider\/(stripe|sandbox)\//.test(spec)),
      );
    expect(offenders.map(relative)).toEqual([]);
  });

  it('keeps the webhooks module and the provider seam free of feature code', () => {
    const offenders = files
      .filter((file) => /^(webhooks|payment-provider)[/\\]/.test(relative(file)))
      .filter((file) =>
        importsOf(file).some((spec) => FEATURES.some((feature) => spec.includes(`/${feature}/`))),
      );
    expect(offenders.map(relative)).toEqual([]);
  });
});
