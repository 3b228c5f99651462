import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { WEBHOOK_ROUTE } from '../../src/webhooks/webhooks.controller';
import { signedStripeDelivery, stripeEvent, stripeObject } from '../fixtures/stripe/events';
import { FakeStripeApi } from '../support/fake-stripe';
import { createTestApp, type TestApp } from '../support/test-app';

const SECRET = 'whsec_webhook_route_test';

/** An app module of the kind a user adds: middleware on the webhook route (an allow-list, a gate). */
const seen: string[] = [];
function markSeen(request: Request, response: Response, next: NextFunction): void {
  seen.push(request.path);
  response.setHeader('X-Seen-By-App', 'yes');
  next();
}
@Module({})
class AppMiddlewareModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(markSeen).forRoutes({ path: WEBHOOK_ROUTE, method: RequestMethod.POST });
  }
}

/**
 * The standalone service serves the webhook by a lean route ahead of Nest's router; with modules
 * of the app's own inside it, the webhook stays a Nest route so that their middleware sees it.
 * Both answer the same.
 */
describe('the webhook route, lean or through Nest (e2e)', () => {
  let stripe: FakeStripeApi;
  let env: Record<string, string>;
  let seq = 0;

  beforeAll(async () => {
    stripe = new FakeStripeApi();
    env = {
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: SECRET,
      STRIPE_API_BASE: await stripe.start(),
    };
  });
  afterAll(() => stripe.stop());

  async function deliverTwice(t: TestApp) {
    const event = stripeEvent(
      'charge.dispute.created',
      stripeObject('dispute', { id: `dp_route_${Date.now()}_${++seq}` }),
    );
    const delivery = signedStripeDelivery(event, SECRET);
    const post = () => t.http.post(`/${WEBHOOK_ROUTE}`).set(delivery.headers).send(delivery.body);
    return { event, first: await post(), second: await post() };
  }

  for (const variant of ['standalone', 'with an app module'] as const) {
    it(`${variant}: processes, then answers the copy as a duplicate, with a request id; a bad signature is a 400 in the error shape`, async () => {
      seen.length = 0;
      const t = await createTestApp(
        env,
        variant === 'standalone' ? {} : { imports: [AppMiddlewareModule] },
      );
      try {
        const { event, first, second } = await deliverTwice(t);
        expect(first.status).toBe(200);
        expect(first.body).toEqual({ received: true, event_id: event.id, outcome: 'processed' });
        expect(second.body).toEqual({ received: true, event_id: event.id, outcome: 'duplicate' });
        expect(first.headers['x-request-id']).toEqual(expect.any(String));
        const bad = await t.http
          .post(`/${WEBHOOK_ROUTE}`)
          .set({ 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' })
          .send('{}');
        expect(bad.status).toBe(400);
        expect(bad.body).toEqual(
          expect.objectContaining({ statusCode: 400, error: 'Bad Request' }),
        );
        // The app's middleware sees every delivery when the app brings it.
        if (variant === 'standalone') {
          expect(seen).toEqual([]);
        } else {
          expect(seen).toHaveLength(3);
          expect(first.headers['x-seen-by-app']).toBe('yes');
        }
        // A delivery the lean route leaves to Nest's route (a Content-Encoding) is answered the same.
        const again = signedStripeDelivery(
          stripeEvent(
            'charge.dispute.created',
            stripeObject('dispute', { id: `dp_route_encoded_${Date.now()}_${++seq}` }),
          ),
          SECRET,
        );
        const encoded = await t.http
          .post(`/${WEBHOOK_ROUTE}`)
          .set(again.headers)
          .set('content-encoding', 'identity')
          .send(again.body);
        expect(encoded.status).toBe(200);
        expect(encoded.body).toEqual(expect.objectContaining({ outcome: 'processed' }));
        expect(encoded.headers['x-request-id']).toEqual(expect.any(String));
        const metrics = await t.http.get('/metrics');
        expect(metrics.text).toMatch(
          /http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/payment\/webhook"[^}]*status_code="200"[^}]*\} [1-9]/,
        );
      } finally {
        await t.close();
      }
    });
  }
});
