import { ProviderError } from '../payment-provider.errors';
import { InMemorySandboxEventLog } from './sandbox-event.log';
import { SandboxPaymentProvider } from './sandbox.provider';
import { createTestSandbox } from './sandbox.testing';
import { buildSandboxEvent } from './sandbox-webhook.sender';
import type { SandboxObject } from './sandbox-objects.types';

/** The sandbox's event listing (reconciliation) over its event log. */
describe('sandbox event listing', () => {
  /** A sandbox whose log holds the events of one paid checkout (logged as dropped). */
  async function paidCheckout() {
    const sandbox = createTestSandbox();
    const log = new InMemorySandboxEventLog();
    const provider = new SandboxPaymentProvider(
      sandbox.store,
      sandbox.catalog,
      sandbox.clock,
      sandbox.ledger,
      sandbox.sink,
      sandbox.options,
      log,
    );
    const session = await provider.createCheckoutSession({
      mode: 'payment',
      priceId: 'price_sandbox_onetime',
      quantity: 1,
      successUrl: 'https://shop.example/thanks',
      cancelUrl: 'https://shop.example/cancel',
      metadata: {},
      idempotencyKey: 'k1',
    });
    await sandbox.checkout.pay(session.id);
    await log.record(sandbox.sink.events, true);
    const sent = sandbox.sink.events.map((event) => event.id);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    return { sandbox, provider, log, sent };
  }

  it('lists what it sent or dropped, newest first, page by page, as deliveries read', async () => {
    const { provider, sent } = await paidCheckout();
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await provider.listEvents({ since: new Date(0), limit: 1, cursor });
      expect(page.unreadable).toEqual([]);
      ids.push(...page.events.map((event) => event.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(sent.length);
    expect(ids).toEqual([...sent].reverse());
    const [event] = (await provider.listEvents({ since: new Date(0), limit: 100 })).events.slice(
      -1,
    );
    expect(event.change?.kind).toBeDefined();
  });

  it('lists only events created since the time given', async () => {
    const { provider, sandbox } = await paidCheckout();
    const later = new Date((sandbox.clock.now() + 1) * 1000);
    expect((await provider.listEvents({ since: later })).events).toEqual([]);
  });

  it('reports an event it cannot read instead of failing the listing', async () => {
    const { provider, log, sent } = await paidCheckout();
    const broken = { id: 'cus_sbx_1', object: 'customer' } as unknown as SandboxObject;
    await log.record(
      [buildSandboxEvent('evt_sbx_broken', 'customer.subscription.updated', broken, 1)],
      false,
    );
    const page = await provider.listEvents({ since: new Date(0) });
    expect(page.events.map((event) => event.id)).toEqual([...sent].reverse());
    expect(page.unreadable).toEqual([
      { id: 'evt_sbx_broken', error: expect.stringContaining('Malformed sandbox event') },
    ]);
  });

  it('refuses a cursor that is not one of its own', async () => {
    const { provider } = await paidCheckout();
    await expect(
      provider.listEvents({ since: new Date(0), cursor: 'evt_nope' }),
    ).rejects.toBeInstanceOf(ProviderError);
  });

  it('logs each event once and keeps the drop switch', async () => {
    const { log, sandbox } = await paidCheckout();
    await log.record(sandbox.sink.events, false);
    expect(log.entries.every((entry) => entry.dropped)).toBe(true);
    expect(log.entries).toHaveLength(sandbox.sink.events.length);
    expect(await log.dropping()).toBe(false);
    await log.setDropping(true);
    expect(await log.dropping()).toBe(true);
  });
});
