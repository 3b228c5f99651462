import { ConfigError, loadConfig } from './app-config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8000);
    expect(config.paymentProvider).toBe('sandbox');
    expect(config.publicBaseUrl.toString()).toBe('http://localhost:8000/');
    expect(config.successUrl).toBe(
      'http://localhost:8000/payment/success?session_id={CHECKOUT_SESSION_ID}',
    );
    expect(config.cancelUrl).toBe('http://localhost:8000/payment/cancel');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toMatch(/\.data$/);
    expect(config.disputeDeadlineCron).toBe('*/10 * * * *');
    expect(config.disputeDeadlineWarningHours).toBe(72);
    expect(config.apiKeys).toEqual([]);
    expect(config.migrationsRun).toBe(true);
    expect(config.metricsPublic).toBe(false);
    expect(config.databasePoolSize).toBe(10);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer'],
    [{ PORT: '70000' }, 'PORT must be an integer from 0 to 65535'],
    [
      { PAYMENT_PROVIDER: 'paypal' },
      'PAYMENT_PROVIDER must be one of stripe, sandbox, got "paypal"',
    ],
    [{ PAYMENT_PROVIDER: 'stripe' }, 'STRIPE_SECRET_KEY is required when PAYMENT_PROVIDER=stripe'],
    [
      { PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_x' },
      'STRIPE_WEBHOOK_SECRET is required',
    ],
    [
      { PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'nope', STRIPE_WEBHOOK_SECRET: 'whsec_a' },
      'STRIPE_SECRET_KEY must start with',
    ],
    [{ PUBLIC_BASE_URL: 'ftp://x' }, 'PUBLIC_BASE_URL must be an http(s) URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be a postgres://'],
    [{ NODE_ENV: 'production' }, 'API_KEYS is required when NODE_ENV=production'],
    [{ DISPUTE_DEADLINE_CRON: 'every day' }, 'DISPUTE_DEADLINE_CRON must be a cron expression'],
    [{ DISPUTE_DEADLINE_CRON: '99 * * * *' }, 'DISPUTE_DEADLINE_CRON must be a cron expression'],
    [{ DISPUTE_DEADLINE_CRON: '* * * * 8' }, 'DISPUTE_DEADLINE_CRON must be a cron expression'],
    [
      { NODE_ENV: 'production', API_KEYS: 'k1' },
      'PAYMENT_PROVIDER is sandbox (the default) while NODE_ENV=production',
    ],
    [
      { NODE_ENV: 'production', API_KEYS: 'k1', PAYMENT_PROVIDER: 'sandbox' },
      'or SANDBOX_IN_PRODUCTION=true for a public demo',
    ],
    [
      { NODE_ENV: 'production', API_KEYS: 'k1', SANDBOX_IN_PRODUCTION: 'true' },
      'SANDBOX_WEBHOOK_SECRET must be set to a secret of your own when SANDBOX_IN_PRODUCTION=true',
    ],
    [{ PUBLIC_RATE_LIMIT: '0' }, 'PUBLIC_RATE_LIMIT must be an integer'],
    [{ DISPUTE_DEADLINE_WARNING_HOURS: '-1' }, 'DISPUTE_DEADLINE_WARNING_HOURS must be an integer'],
    [{ MIGRATIONS_RUN: 'maybe' }, 'MIGRATIONS_RUN must be true or false'],
    [{ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE must be an integer from 1 to 1000'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [{ METRICS_PUBLIC: 'sometimes' }, 'METRICS_PUBLIC must be true or false'],
    [
      { STRIPE_API_BASE: 'http://127.0.0.1:12111/v1' },
      'STRIPE_API_BASE must be a scheme, host and port only',
    ],
  ])('refuses %j, naming the variable', (env, expected) => {
    expect(problemsOf(env).join('\n')).toContain(expected);
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ PORT: 'abc', PAYMENT_PROVIDER: 'paypal' })).toHaveLength(2);
  });

  it('accepts a comma list of webhook secrets for rotation and API keys', () => {
    const config = loadConfig({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_123',
      STRIPE_WEBHOOK_SECRET: 'whsec_new, whsec_old',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
      API_KEYS: 'k1,k2',
      NODE_ENV: 'production',
    });
    expect(config.stripe?.webhookSecrets).toEqual(['whsec_new', 'whsec_old']);
    expect(config.stripe?.apiBase?.port).toBe('12111');
    expect(config.apiKeys).toEqual(['k1', 'k2']);
  });

  it('turns the deadline job off with DISPUTE_DEADLINE_CRON=off', () => {
    expect(loadConfig({ DISPUTE_DEADLINE_CRON: 'off' }).disputeDeadlineCron).toBeNull();
  });

  it('derives the default redirect URLs from PUBLIC_BASE_URL independently', () => {
    const config = loadConfig({
      PUBLIC_BASE_URL: 'https://pay.example.com/',
      PAYMENT_CANCEL_URL: 'https://app.example.com/cancelled',
    });
    expect(config.successUrl).toBe(
      'https://pay.example.com/payment/success?session_id={CHECKOUT_SESSION_ID}',
    );
    expect(config.cancelUrl).toBe('https://app.example.com/cancelled');
  });

  it('starts the sandbox in production only as a declared public demo with its own secret', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      API_KEYS: 'k1',
      SANDBOX_IN_PRODUCTION: 'true',
      SANDBOX_WEBHOOK_SECRET: 'whsec_demo_of_our_own',
    });
    expect(config.paymentProvider).toBe('sandbox');
  });

  it("accepts the cron package's expressions, with seconds too", () => {
    expect(loadConfig({ DISPUTE_DEADLINE_CRON: '0 */5 * * * *' }).disputeDeadlineCron).toBe(
      '0 */5 * * * *',
    );
  });
});
