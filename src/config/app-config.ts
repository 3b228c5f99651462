import { validateCronExpression } from 'cron';
import * as path from 'node:path';

export const APP_CONFIG = Symbol('APP_CONFIG');

export type ProviderName = 'stripe' | 'sandbox';
export const PROVIDER_NAMES: readonly ProviderName[] = ['stripe', 'sandbox'];

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export interface StripeConfig {
  secretKey: string;
  /** Several secrets are accepted at once so that a secret can be rotated. */
  webhookSecrets: string[];
  /** e.g. http://127.0.0.1:12111 for stripe-mock; undefined means Stripe's own API. */
  apiBase?: URL;
  webhookToleranceSeconds: number;
  /** STRIPE_TIMEOUT_MS: how long one attempt of a Stripe call may take (default 15000). */
  timeoutMs?: number;
}

export interface SandboxConfig {
  webhookSecret: string;
  /** JSON catalog override (SANDBOX_PRICES); undefined means the bundled catalog. */
  pricesJson?: string;
}

/** The whole configuration, validated once at boot (see loadConfig). */
export interface AppConfig {
  nodeEnv: string;
  port: number;
  publicBaseUrl: URL;
  databaseUrl?: string;
  dataDir: string;
  migrationsRun: boolean;
  /** Connections of the service's own pool (DATABASE_POOL_SIZE). */
  databasePoolSize: number;
  /** The service's own pool runs its statements prepared (DATABASE_PREPARED_STATEMENTS). */
  databasePreparedStatements: boolean;
  /** BEGIN / COMMIT share a round trip with a statement (see database/service-pg-client.ts). */
  databaseBatchTransactions: boolean;
  /** How often the worker instance looks for busy tables to ANALYZE (database/table-statistics.ts); 0: never. */
  databaseAnalyzeCheckSeconds: number;
  paymentProvider: ProviderName;
  stripe?: StripeConfig;
  sandbox: SandboxConfig;
  successUrl: string;
  cancelUrl: string;
  redirectAllowedHosts: string[];
  apiKeys: string[];
  /** null when DISPUTE_DEADLINE_CRON=off */
  disputeDeadlineCron: string | null;
  /** The settling job's schedule (REFUND_SETTLE_CRON, default every minute: refunds, cancel / resume, checkouts); null when off. */
  refundSettleCron: string | null;
  disputeDeadlineWarningHours: number;
  /** Reconciliation (DESIGN §6.1): missed webhooks recovered from the provider's event listing. */
  reconcile: ReconcileConfig;
  logLevel: LogLevel;
  bodyLimitBytes: number;
  /** Keyless public routes (pages, status, sandbox page): requests per client per window. */
  publicRateLimit: { limit: number; windowSeconds: number };
  /** METRICS_PUBLIC: GET /metrics without the API key (default false). */
  metricsPublic: boolean;
  /** Durable domain events (DESIGN §7): delivery by the job engine. */
  events: EventsConfig;
}

export interface ReconcileConfig {
  /** RECONCILE_CRON (default hourly); null when `off`. */
  cron: string | null;
  /** RECONCILE_LOOKBACK: how far back a run lists events (default 72h), in seconds. */
  lookbackSeconds: number;
  /** RECONCILE_PENDING_AFTER: a payment pending this long is looked up at the provider (default 1h), in seconds. */
  pendingAfterSeconds: number;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `30m`, `72h`, `7d` (or `45s`) → seconds; null when malformed or zero. */
export function parseDuration(text: string): number | null {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!match) return null;
  const seconds = Number(match[1]) * DURATION_UNITS[match[2]];
  return seconds > 0 ? seconds : null;
}

export interface EventsConfig {
  /** EVENT_MAX_ATTEMPTS: deliveries to one listener before it is parked `dead`. */
  maxAttempts: number;
  /** EVENT_RETRY_BASE_MS: the first retry's delay; each next one doubles (capped at 1 hour). */
  retryBaseMs: number;
  /** EVENT_WORKER_CONCURRENCY: deliveries and jobs run at once by this instance. */
  concurrency: number;
  /** EVENT_WORKER: false runs no jobs in this process (the CLI; an API-only instance). */
  worker: boolean;
  /** EVENT_STALE_LOCK_SECONDS: a job locked this long by a worker whose instance died is released. */
  staleLockSeconds: number;
}

/** Raised when the environment is invalid; main prints the problems and exits non-zero. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Connections of the service's own pool by default (pg's own default; it was a fixed 20). On 2
 * cores the webhook bench ran as many events per second with 6 or 10 as with 20, at 6–13 % less
 * PostgreSQL CPU per event (bench/RESULTS.md, issue 13 part 6): past a few per core, connections
 * only queue inside PostgreSQL, and every instance's pool counts against max_connections.
 */
export const DEFAULT_POOL_SIZE = 10;

/** The development secret the sandbox signs its webhooks with when none is configured. */
export const SANDBOX_DEFAULT_WEBHOOK_SECRET = 'whsec_sandbox_development_only';

/**
 * Reads and validates every variable of DESIGN §3. Collects all problems before
 * failing so that a user fixes their .env in one go.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return Number(raw);
  };
  const url = (name: string, fallback: string | undefined): URL | undefined => {
    const raw = value(name) ?? fallback;
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
      return parsed;
    } catch {
      problems.push(`${name} must be an http(s) URL, got "${raw}"`);
      return undefined;
    }
  };
  const list = (name: string): string[] =>
    (value(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  const boolean = (name: string, fallback: boolean): boolean => {
    const raw = value(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(raw)) return true;
    if (['false', '0', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  };

  const nodeEnv = value('NODE_ENV') ?? 'development';
  const port = integer('PORT', 8000, 0, 65535);
  const publicBaseUrl =
    url('PUBLIC_BASE_URL', `http://localhost:${port}`) ?? new URL('http://localhost:8000');
  const base = publicBaseUrl.toString().replace(/\/+$/, '');

  const databaseUrl = value('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// connection string');
  }

  const providerRaw = value('PAYMENT_PROVIDER') ?? 'sandbox';
  const paymentProvider = providerRaw.toLowerCase() as ProviderName;
  if (!PROVIDER_NAMES.includes(paymentProvider)) {
    problems.push(
      `PAYMENT_PROVIDER must be one of ${PROVIDER_NAMES.join(', ')}, got "${providerRaw}"`,
    );
  }

  let stripe: StripeConfig | undefined;
  const stripeKey = value('STRIPE_SECRET_KEY');
  const stripeWebhookSecrets = list('STRIPE_WEBHOOK_SECRET');
  const apiBase = url('STRIPE_API_BASE', undefined);
  // The SDK takes a host, port and protocol only; a path would be dropped silently.
  if (apiBase && (apiBase.pathname !== '/' || apiBase.search)) {
    problems.push(
      `STRIPE_API_BASE must be a scheme, host and port only (e.g. http://127.0.0.1:12111), got "${apiBase.toString()}"`,
    );
  }
  const webhookToleranceSeconds = integer('STRIPE_WEBHOOK_TOLERANCE', 300, 1, 86400);
  if (paymentProvider === 'stripe') {
    if (!stripeKey)
      problems.push(
        'STRIPE_SECRET_KEY is required when PAYMENT_PROVIDER=stripe (sk_test_… or sk_live_…, or a restricted rk_… key)',
      );
    else if (!/^(sk|rk)_(test|live)_/.test(stripeKey))
      problems.push('STRIPE_SECRET_KEY must start with sk_test_, sk_live_, rk_test_ or rk_live_');
    if (stripeWebhookSecrets.length === 0)
      problems.push(
        'STRIPE_WEBHOOK_SECRET is required when PAYMENT_PROVIDER=stripe (whsec_…; a comma list while rotating)',
      );
    for (const secret of stripeWebhookSecrets) {
      if (!secret.startsWith('whsec_'))
        problems.push('STRIPE_WEBHOOK_SECRET entries must start with whsec_');
    }
    stripe = {
      secretKey: stripeKey ?? '',
      webhookSecrets: stripeWebhookSecrets,
      apiBase,
      webhookToleranceSeconds,
      timeoutMs: integer('STRIPE_TIMEOUT_MS', 15_000, 100, 120_000),
    };
  }

  const successUrl =
    value('PAYMENT_SUCCESS_URL') ?? `${base}/payment/success?session_id={CHECKOUT_SESSION_ID}`;
  const cancelUrl = value('PAYMENT_CANCEL_URL') ?? `${base}/payment/cancel`;

  const apiKeys = list('API_KEYS');
  if (nodeEnv === 'production' && apiKeys.length === 0) {
    problems.push(
      'API_KEYS is required when NODE_ENV=production (a comma list of keys for Authorization: Bearer <key>)',
    );
  }

  const sandboxWebhookSecret = value('SANDBOX_WEBHOOK_SECRET') ?? SANDBOX_DEFAULT_WEBHOOK_SECRET;
  const sandboxInProduction = boolean('SANDBOX_IN_PRODUCTION', false);
  if (nodeEnv === 'production' && paymentProvider === 'sandbox') {
    // The sandbox lets anyone "pay", and its default secret is published: never by accident.
    if (!sandboxInProduction) {
      problems.push(
        'PAYMENT_PROVIDER is sandbox (the default) while NODE_ENV=production: set PAYMENT_PROVIDER=stripe with STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or SANDBOX_IN_PRODUCTION=true for a public demo',
      );
    } else if (sandboxWebhookSecret === SANDBOX_DEFAULT_WEBHOOK_SECRET) {
      problems.push(
        'SANDBOX_WEBHOOK_SECRET must be set to a secret of your own when SANDBOX_IN_PRODUCTION=true (the default one is published)',
      );
    }
  }

  const settleRaw = value('REFUND_SETTLE_CRON') ?? '* * * * *';
  let refundSettleCron: string | null = settleRaw;
  if (settleRaw.toLowerCase() === 'off') refundSettleCron = null;
  else if (!validateCronExpression(settleRaw).valid) {
    problems.push(
      `REFUND_SETTLE_CRON must be a cron expression (e.g. "* * * * *") or "off", got "${settleRaw}"`,
    );
  }

  const cronRaw = value('DISPUTE_DEADLINE_CRON') ?? '*/10 * * * *';
  let disputeDeadlineCron: string | null = cronRaw;
  if (cronRaw.toLowerCase() === 'off') disputeDeadlineCron = null;
  else {
    const check = validateCronExpression(cronRaw);
    if (!check.valid) {
      problems.push(
        `DISPUTE_DEADLINE_CRON must be a cron expression (e.g. "*/10 * * * *") or "off", got "${cronRaw}": ${check.error?.message ?? 'invalid'}`,
      );
    }
  }

  const reconcileCronRaw = value('RECONCILE_CRON') ?? '0 * * * *';
  let reconcileCron: string | null = reconcileCronRaw;
  if (reconcileCronRaw.toLowerCase() === 'off') reconcileCron = null;
  else {
    const check = validateCronExpression(reconcileCronRaw);
    if (!check.valid) {
      problems.push(
        `RECONCILE_CRON must be a cron expression (e.g. "0 * * * *") or "off", got "${reconcileCronRaw}": ${check.error?.message ?? 'invalid'}`,
      );
    }
  }
  const duration = (name: string, fallback: string, maxSeconds: number): number => {
    const raw = value(name) ?? fallback;
    const seconds = parseDuration(raw);
    if (seconds === null || seconds > maxSeconds) {
      problems.push(
        `${name} must be a duration like 30m, 72h or 7d (at most ${maxSeconds / 86400} days), got "${raw}"`,
      );
      return parseDuration(fallback)!;
    }
    return seconds;
  };
  const reconcile: ReconcileConfig = {
    cron: reconcileCron,
    // Stripe keeps events for 30 days: a longer look-back lists nothing more.
    lookbackSeconds: duration('RECONCILE_LOOKBACK', '72h', 30 * 86400),
    pendingAfterSeconds: duration('RECONCILE_PENDING_AFTER', '1h', 30 * 86400),
  };

  const logLevelRaw = (value('LOG_LEVEL') ?? 'info').toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevelRaw))
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevelRaw}"`);

  const config: AppConfig = {
    nodeEnv,
    port,
    publicBaseUrl,
    databaseUrl,
    dataDir: path.resolve(value('DATA_DIR') ?? './.data'),
    migrationsRun: boolean('MIGRATIONS_RUN', true),
    databasePoolSize: integer('DATABASE_POOL_SIZE', DEFAULT_POOL_SIZE, 1, 1000),
    databasePreparedStatements: boolean('DATABASE_PREPARED_STATEMENTS', true),
    databaseBatchTransactions: boolean('DATABASE_BATCH_TRANSACTIONS', true),
    databaseAnalyzeCheckSeconds: integer('DATABASE_ANALYZE_CHECK_SECONDS', 5, 0, 3600),
    paymentProvider,
    stripe,
    sandbox: {
      webhookSecret: sandboxWebhookSecret,
      pricesJson: value('SANDBOX_PRICES'),
    },
    successUrl,
    cancelUrl,
    redirectAllowedHosts: list('REDIRECT_ALLOWED_HOSTS').map((host) => host.toLowerCase()),
    apiKeys,
    disputeDeadlineCron,
    refundSettleCron,
    disputeDeadlineWarningHours: integer('DISPUTE_DEADLINE_WARNING_HOURS', 72, 0, 24 * 365),
    reconcile,
    logLevel: logLevelRaw,
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 50 * 1024 * 1024),
    publicRateLimit: {
      limit: integer('PUBLIC_RATE_LIMIT', 300, 1, 1_000_000),
      windowSeconds: integer('PUBLIC_RATE_LIMIT_WINDOW', 60, 1, 86400),
    },
    metricsPublic: boolean('METRICS_PUBLIC', false),
    events: {
      maxAttempts: integer('EVENT_MAX_ATTEMPTS', 10, 1, 100),
      retryBaseMs: integer('EVENT_RETRY_BASE_MS', 1000, 10, 3_600_000),
      concurrency: integer('EVENT_WORKER_CONCURRENCY', 4, 1, 50),
      worker: boolean('EVENT_WORKER', true),
      staleLockSeconds: integer('EVENT_STALE_LOCK_SECONDS', 10, 1, 3600),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
