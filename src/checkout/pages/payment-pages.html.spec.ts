import type { PublicCheckoutStatus } from '../checkout.service';
import { pageCsp, renderCancelPage, renderSuccessPage } from './payment-pages.html';

const state = (
  status: PublicCheckoutStatus['status'],
  reference: string | null = null,
): PublicCheckoutStatus => ({
  status,
  amount: 2900,
  currency: 'usd',
  reference,
});

/** The panels the buyer can see: sections without the hidden attribute. */
const visiblePanels = (html: string): string[] =>
  [...html.matchAll(/<section data-panel="(\w+)"( hidden)?>/g)]
    .filter((m) => !m[2])
    .map((m) => m[1]);

describe('success page', () => {
  it.each(['processing', 'confirmed', 'failed', 'expired'] as const)(
    'shows only the %s panel',
    (status) => {
      const html = renderSuccessPage({
        sessionId: 'cs_1',
        state: state(status, 'pi_1'),
        nonce: 'n0nce',
      });
      expect(visiblePanels(html)).toEqual([status]);
      expect(html).toContain(`data-state="${status}"`);
    },
  );

  it('polls (with the nonce) and reloads without JavaScript only while processing', () => {
    const processing = renderSuccessPage({
      sessionId: 'cs_1',
      state: state('processing'),
      nonce: 'n0nce',
    });
    expect(processing).toContain('<script nonce="n0nce">');
    expect(processing).toContain('data-status-url="/payment/status/cs_1"');
    expect(processing).toContain('<noscript><meta http-equiv="refresh" content="5"></noscript>');
    const confirmed = renderSuccessPage({
      sessionId: 'cs_1',
      state: state('confirmed', 'pi_1'),
      nonce: 'n0nce',
    });
    expect(confirmed).not.toContain('<script');
    expect(confirmed).not.toContain('http-equiv="refresh"');
    expect(confirmed).toContain('<p class="amount" data-field="amount">$29.00</p>');
    expect(confirmed).toContain('<dd data-field="reference">pi_1</dd>');
  });

  it('escapes what it shows', () => {
    const html = renderSuccessPage({
      sessionId: 'cs_"><script>x</script>',
      state: state('confirmed', '<img src=x onerror=alert(1)>'),
      nonce: 'n"once',
    });
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>x');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });

  it('has a cancel page saying nothing was taken', () => {
    expect(renderCancelPage()).toContain('No payment was taken');
  });

  it('allows only its own nonce for scripts', () => {
    expect(pageCsp('abc')).toContain("script-src 'nonce-abc'");
    expect(pageCsp('abc')).toContain("default-src 'none'");
  });
});
