/**
 * The bare baseline of issue 13: `node:http`, the raw body,
 * `stripe.webhooks.constructEvent`, and one `INSERT … ON CONFLICT DO NOTHING` of
 * the event into a jsonb table through a `pg` Pool of 10. Nothing else.
 * Started by bench/webhooks.ts (PORT, DATABASE_URL, WEBHOOK_SECRET); answers the
 * probe's IPC messages (bench/lib/probe.ts) with its CPU time and RSS.
 */
import * as http from 'node:http';
import { Pool } from 'pg';
import Stripe from 'stripe';
import './lib/probe';

const stripe = new Stripe('sk_test_baseline_never_called');
const secret = process.env.WEBHOOK_SECRET!;
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

async function main(): Promise<void> {
  await pool.query(
    'CREATE TABLE IF NOT EXISTS baseline_event (id text PRIMARY KEY, body jsonb NOT NULL)',
  );
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(req.url === '/health/ready' ? 200 : 404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(
          raw,
          String(req.headers['stripe-signature']),
          secret,
        );
      } catch {
        res.writeHead(400).end();
        return;
      }
      pool
        .query(
          'INSERT INTO baseline_event (id, body) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING',
          [event.id, raw.toString('utf8')],
        )
        .then(
          () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}'),
          () => res.writeHead(500).end(),
        );
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void pool.end().then(() => process.exit(0));
  });
}

void main();
