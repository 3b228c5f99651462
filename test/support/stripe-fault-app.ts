import { FakeStripeApi } from './fake-stripe';
import { createTestApp, type TestApp } from './test-app';

export const FAULT_WEBHOOK_SECRET = 'whsec_test';

export interface StripeFaultApp {
  t: TestApp;
  stripe: FakeStripeApi;
  /** The fake's base URL (STRIPE_API_BASE). */
  apiBase: string;
}

/**
 * The fault-injection suites' setup (issue 14): the app on the Stripe adapter (the real SDK)
 * against a FakeStripeApi, with a short provider timeout and the settling job unscheduled (tests
 * run it). Registers its hooks in the calling `describe`: the fault is cleared after each test,
 * the app and the fake stopped after all. Read the fields in or after a `beforeAll`.
 */
export function useStripeFaultApp(): StripeFaultApp {
  const setup = {} as StripeFaultApp;
  beforeAll(async () => {
    setup.stripe = new FakeStripeApi();
    setup.apiBase = await setup.stripe.start();
    setup.t = await createTestApp({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: FAULT_WEBHOOK_SECRET,
      STRIPE_API_BASE: setup.apiBase,
      STRIPE_TIMEOUT_MS: '300',
      REFUND_SETTLE_CRON: 'off',
    });
  });
  afterAll(async () => {
    await setup.t?.close();
    await setup.stripe?.setFault(null);
    await setup.stripe?.stop();
  });
  afterEach(() => setup.stripe?.setFault(null));
  return setup;
}
