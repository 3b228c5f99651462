import { renderCheckoutPage, renderProblemPage } from './sandbox-checkout.page';
import type { SandboxCheckoutSession } from './sandbox-objects.types';

const session = (overrides: Partial<SandboxCheckoutSession> = {}): SandboxCheckoutSession => ({
  id: 'cs_sbx_abc',
  object: 'checkout.session',
  created: 1_800_000_000,
  mode: 'payment',
  status: 'open',
  payment_status: 'unpaid',
  url: 'http://localhost:8000/sandbox/checkout/cs_sbx_abc',
  expires_at: 1_800_086_400,
  success_url: '/ok',
  cancel_url: '/cancel',
  price: {
    id: 'price_sandbox_onetime',
    amount: 2900,
    currency: 'usd',
    name: 'Premium eBook',
    interval: null,
  },
  quantity: 1,
  amount_total: 2900,
  currency: 'usd',
  customer: null,
  customer_email: null,
  client_reference_id: null,
  payment_intent: null,
  subscription: null,
  invoice: null,
  metadata: {},
  ...overrides,
});

describe('sandbox checkout page', () => {
  it('shows the product, the amount and Pay / Decline forms that POST', () => {
    const html = renderCheckoutPage(session());
    expect(html).toContain('Premium eBook');
    expect(html).toContain('$29.00');
    // Relative to the page (…/sandbox/checkout/cs_sbx_abc): right under any prefix a host mounts.
    expect(html).toContain('<form method="post" action="cs_sbx_abc/pay">');
    expect(html).toContain('<form method="post" action="cs_sbx_abc/decline">');
    expect(
      new URL('cs_sbx_abc/pay', 'http://shop.test/api/payments/sandbox/checkout/cs_sbx_abc')
        .pathname,
    ).toBe('/api/payments/sandbox/checkout/cs_sbx_abc/pay');
    expect(html).toMatch(/>Pay \$29\.00</);
  });

  it('says "per month" and "Subscribe" for a recurring price', () => {
    const html = renderCheckoutPage(
      session({
        mode: 'subscription',
        price: { id: 'p', amount: 900, currency: 'usd', name: 'Pro Monthly', interval: 'month' },
        amount_total: 900,
      }),
    );
    expect(html).toContain('per month');
    expect(html).toMatch(/>Subscribe \$9\.00</);
  });

  it('is self-contained: no script and nothing loaded from elsewhere', () => {
    const html = renderCheckoutPage(session()) + renderProblemPage(404, 'Checkout not found', 'x');
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('escapes what came from configuration or the caller', () => {
    const html = renderCheckoutPage(
      session({
        price: {
          id: 'p',
          amount: 1,
          currency: 'usd',
          name: '<img src=x onerror=alert(1)>',
          interval: null,
        },
        customer_email: '"a"@b.c',
      }),
    );
    expect(html).not.toContain('<img');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });
});
