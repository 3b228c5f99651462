/**
 * Stripe-shaped webhook deliveries for the bench: five event types in rotation,
 * each with a distinct event id and distinct object ids, compact JSON of about
 * 2.8 KB, signed at send time (HMAC-SHA256 of `${t}.${body}`, Stripe's scheme v1).
 * Built from the example objects in test/fixtures/stripe/.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './util';

export const EVENT_TYPES: [type: string, fixture: string][] = [
  ['checkout.session.completed', 'checkout-session.payment'],
  ['payment_intent.succeeded', 'payment-intent.succeeded'],
  ['charge.refunded', 'charge.refunded'],
  ['customer.subscription.updated', 'subscription'],
  ['charge.dispute.created', 'dispute'],
];

/** Ids the example objects share (test/fixtures/stripe/events.ts): each event gets its own. */
const ID_PATTERN = /"((?:cs_test|pi|ch|re|sub|in|dp|issfr|cus|si|txn|pm|py|evt)_[A-Za-z0-9]+)"/g;
const TARGET_BYTES = 2800;
const N = '__N__';

export class EventFactory {
  private readonly templates: string[];
  /** The checkout session id of event n (n mod 5 = 0) is this + n on 7 digits. */
  sessionIdPrefix = '';

  constructor(
    private readonly secret: string,
    private readonly prefix: string,
  ) {
    this.templates = EVENT_TYPES.map(([type, fixture]) => {
      const object = JSON.parse(
        readFileSync(path.join(ROOT, 'test/fixtures/stripe', `${fixture}.json`), 'utf8'),
      ) as Record<string, unknown>;
      // A one-time checkout made through the service: its session and its payment intent carry
      // the service's marker (checkout-metadata.ts), so both are the service's own and recorded.
      if (type === 'checkout.session.completed' || type === 'payment_intent.succeeded')
        object.metadata = { ...(object.metadata as object), payment_service: 'checkout' };
      if (type === 'checkout.session.completed')
        this.sessionIdPrefix = `${String(object.id)}${prefix}`;
      const envelope = {
        id: `evt_${N}`,
        object: 'event',
        api_version: '2026-10-28.endive',
        created: 0,
        data: { object },
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
      };
      // Every id in the object becomes unique per event (prefix + sequence number).
      let json = JSON.stringify(envelope).replace(ID_PATTERN, `"$1${N}"`);
      const size = json.replaceAll(N, `${prefix}0000000`).length;
      if (size < TARGET_BYTES) {
        const pad = 'x'.repeat(TARGET_BYTES - size - ',"bench_padding":""'.length);
        json = json.replace('"object":"event"', `"object":"event","bench_padding":"${pad}"`);
      }
      return json;
    });
  }

  get sizes(): number[] {
    return this.templates.map((t) => t.replaceAll(N, `${this.prefix}0000000`).length);
  }

  /** The body of event number `n` (type n mod 5), with the creation time `created`. */
  body(n: number, created = Math.floor(Date.now() / 1000)): string {
    const template = this.templates[n % this.templates.length];
    return template
      .replaceAll(N, `${this.prefix}${String(n).padStart(7, '0')}`)
      .replace('"created":0', `"created":${created}`);
  }

  /** The id of the checkout session event `n` completes (n mod 5 = 0). */
  sessionId(n: number): string {
    return `${this.sessionIdPrefix}${String(n).padStart(7, '0')}`;
  }

  /** The Stripe-Signature header for `body`, computed now. */
  sign(body: string): string {
    const t = Math.floor(Date.now() / 1000);
    const v1 = createHmac('sha256', this.secret).update(`${t}.${body}`, 'utf8').digest('hex');
    return `t=${t},v1=${v1}`;
  }
}
