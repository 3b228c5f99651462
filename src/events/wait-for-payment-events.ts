import type { INestApplicationContext } from '@nestjs/common';
import { EventsService } from './events.service';

/**
 * For app code's tests: resolves once every committed payment event has been
 * delivered to every durable `@OnPaymentEvent` listener (or parked dead), so a
 * test asserts on a listener's effect without sleeping. Rejects after
 * `timeoutMs` (default 10 s) naming how many are still undelivered.
 *
 *   await http.post('/api/v1/payment/webhook')…;
 *   await waitForPaymentEvents(app);
 *   expect(await grants.find(...)).toBeDefined();
 */
export function waitForPaymentEvents(
  app: INestApplicationContext,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  return app.get(EventsService, { strict: false }).waitUntilDelivered(options);
}
