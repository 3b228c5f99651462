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

const relative = (file: string) => path.relative(SRC, file).split(path.sep).join('/');
const FEATURES = ['checkout', 'subscriptions', 'refunds', 'disputes', 'transactions', 'customers'];
/** Feature folders proper: none imports another (DESIGN §10). */
const PRODUCT_FEATURES = ['checkout', 'subscriptions', 'refunds', 'disputes'];
/**
 * The levels below the features: the ledger (ledger/, with the money rows' entity and read API in
 * transactions/ and customers in customers/), webhooks, events, the provider seam and plumbing.
 * They know no feature, except the two registries that list every feature's entities and events.
 */
const BELOW_FEATURES = [
  'ledger',
  'transactions',
  'customers',
  'webhooks',
  'events',
  'payment-provider',
  'database',
  'common',
  'config',
  'metrics',
];
/** The registries that list every feature's entities or events by design. */
const REGISTRIES = ['database/entities.ts', 'events/payment-event-map.ts'];
const featureOf = (file: string): string | undefined => relative(file).split('/')[0];
/** The feature a relative import points into, from `file`. */
function importedFolder(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const target = path.relative(SRC, path.resolve(path.dirname(file), spec)).split(path.sep);
  return target.length > 1 ? target[0] : undefined;
}

/** Code that writes or looks up money rows (payment_transaction) directly. */
const MONEY_ROW_ACCESS = [
  /getRepository\(\s*TransactionEntity\s*\)/,
  /\.into\(\s*TransactionEntity\s*\)/,
  /\b(update|insert|save|upsert|delete|findOne|findOneBy|findOneByOrFail|findOneOrFail|find|findBy|count|countBy|exists|existsBy)\(\s*TransactionEntity\b/,
  /\bpayment_transaction\b/,
];
/**
 * Files outside the ledger that still touch money rows directly: the refund request flow and
 * the invoice and dispute readers, left as they are while issue 14's work on them lands. The
 * list only shrinks: a new file that touches money rows fails this test.
 */
const MONEY_ROW_DEBT = [
  'disputes/dispute-deadline.job.ts',
  'disputes/dispute-linker.service.ts',
  'reconcile/reconcile.service.ts',
  'refunds/refund-orphans.listener.ts',
  'refunds/refund-reservations.ts',
  'refunds/refund-webhooks.handler.ts',
  'subscriptions/invoice-charges.service.ts',
];

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

  it('keeps feature folders from importing each other (what two share lives below them)', () => {
    const offenders = files.flatMap((file) => {
      const own = featureOf(file);
      if (!own || !PRODUCT_FEATURES.includes(own)) return [];
      return importsOf(file)
        .map((spec) => importedFolder(file, spec))
        .filter((folder) => folder && folder !== own && PRODUCT_FEATURES.includes(folder))
        .map((folder) => `${relative(file)} -> ${folder}`);
    });
    expect(offenders).toEqual([]);
  });

  it('keeps the ledger, webhooks, events and plumbing free of feature imports', () => {
    const offenders = files.flatMap((file) => {
      const own = featureOf(file);
      if (!own || !BELOW_FEATURES.includes(own) || REGISTRIES.includes(relative(file))) return [];
      return importsOf(file)
        .map((spec) => importedFolder(file, spec))
        .filter((folder) => folder && PRODUCT_FEATURES.includes(folder))
        .map((folder) => `${relative(file)} -> ${folder}`);
    });
    expect(offenders).toEqual([]);
  });

  it('lets only the ledger write and look up money rows', () => {
    const ledger = (file: string) => ['ledger', 'transactions'].includes(featureOf(file) ?? '');
    const touching = files
      .filter((file) => !ledger(file))
      .filter((file) => {
        const text = fs.readFileSync(file, 'utf8');
        return MONEY_ROW_ACCESS.some((pattern) => pattern.test(text));
      })
      .map(relative)
      .sort();
    expect(touching).toEqual(MONEY_ROW_DEBT);
  });

  it('injects the data source and repositories only through PAYMENT_DATA_SOURCE (host default, named or own pool)', () => {
    // TypeORM's own decorators and forFeature bind to the host's DEFAULT data source: a service
    // on a named one would silently read and write the wrong database.
    const offenders = files
      .filter((file) =>
        /@InjectDataSource\(|@InjectRepository\(|@InjectEntityManager\(|TypeOrmModule\.forFeature\(/.test(
          fs.readFileSync(file, 'utf8'),
        ),
      )
      .map(relative);
    expect(offenders).toEqual([]);
  });
});
