import type { FakeAnswer, StripeCall } from './fake-stripe';
import type { StripeEventEnvelope } from '../fixtures/stripe/events';

/**
 * The event log of a fake api.stripe.com: events "created at the provider"
 * (whether or not they were ever delivered), listed by GET /v1/events as
 * Stripe's Events API does — `created[gte]`, newest first, `limit` (≤ 100),
 * `starting_after`, `has_more`. Plug it into FakeStripeApi.override.
 */
export class FakeStripeEventLog {
  /** In creation order. */
  readonly events: StripeEventEnvelope[] = [];
  /** GET /v1/events calls answered. */
  readonly listCalls: URLSearchParams[] = [];

  add(...events: StripeEventEnvelope[]): void {
    this.events.push(...events);
  }

  /** The answer to GET /v1/events; undefined for any other call. */
  answer(call: StripeCall): FakeAnswer | undefined {
    if (call.method !== 'GET' || call.path !== '/v1/events') return undefined;
    this.listCalls.push(call.query);
    const gte = Number(call.query.get('created[gte]') ?? '0');
    const limit = Math.min(Number(call.query.get('limit') ?? '10'), 100);
    const newestFirst = this.events
      .map((event, index) => ({ event, index }))
      .filter(({ event }) => event.created >= gte)
      .sort((a, b) => b.event.created - a.event.created || b.index - a.index)
      .map(({ event }) => event);
    const after = call.query.get('starting_after');
    let start = 0;
    if (after) {
      const at = newestFirst.findIndex((event) => event.id === after);
      if (at < 0) {
        return {
          status: 400,
          body: {
            error: {
              type: 'invalid_request_error',
              message: `No such event: '${after}'`,
              param: 'starting_after',
            },
          },
        };
      }
      start = at + 1;
    }
    const data = newestFirst.slice(start, start + limit);
    return {
      status: 200,
      body: {
        object: 'list',
        url: '/v1/events',
        has_more: start + limit < newestFirst.length,
        data,
      },
    };
  }
}
