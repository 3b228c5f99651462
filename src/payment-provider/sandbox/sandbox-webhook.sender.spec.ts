import { Logger } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxWebhookSender, buildSandboxEvent } from './sandbox-webhook.sender';
import type { SandboxOptions } from './sandbox.options';
import { verifySandboxSignature } from './sandbox-signature';
import type { SandboxObject } from './sandbox-objects.types';

const SECRET = 'whsec_sender_test';

interface Received {
  path: string;
  body: string;
  signature: string | undefined;
}

/** A real HTTP server standing in for our webhook route; `answer` decides each status. */
async function webhookServer(
  answer: (received: Received, index: number) => number | Promise<number>,
) {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const item = {
        path: request.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        signature: request.headers['sandbox-signature'] as string | undefined,
      };
      received.push(item);
      void Promise.resolve(answer(item, received.length - 1)).then((status) => {
        response.statusCode = status;
        response.end('{}');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Waits (at most 5 s) for a condition that a delivery in flight will make true. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition() && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
}

const hostFor = (server: http.Server | null) =>
  ({
    httpAdapter: { getHttpServer: () => server ?? { address: () => null } },
  }) as unknown as HttpAdapterHost;

const options = (retryDelaysMs = [1, 1, 1]): SandboxOptions => ({
  prices: [],
  webhookSecret: SECRET,
  publicBaseUrl: 'http://localhost',
  retryDelaysMs,
});

const event = (n: number) =>
  buildSandboxEvent(
    `evt_sbx_${n}`,
    'charge.dispute.created',
    { id: `dp_sbx_${n}` } as unknown as SandboxObject,
    1_800_000_000 + n,
  );

describe('SandboxWebhookSender', () => {
  // Giving up is logged as a warning; the reports are what these tests check.
  beforeAll(() => Logger.overrideLogger(false));

  it('posts the exact signed bytes to /api/v1/payment/webhook on the listening port', async () => {
    const target = await webhookServer(() => 200);
    try {
      const sender = new SandboxWebhookSender(hostFor(target.server), options());
      const sent = event(1);
      const [report] = await sender.send([sent]);
      expect(report).toEqual({
        id: 'evt_sbx_1',
        type: 'charge.dispute.created',
        delivered: true,
        attempts: 1,
        status: 200,
      });
      expect(target.received).toHaveLength(1);
      expect(target.received[0].path).toBe('/api/v1/payment/webhook');
      expect(target.received[0].body).toBe(sent.body);
      expect(() =>
        verifySandboxSignature(
          Buffer.from(target.received[0].body),
          target.received[0].signature,
          SECRET,
        ),
      ).not.toThrow();
      expect(JSON.parse(sent.body)).toEqual({
        id: 'evt_sbx_1',
        object: 'event',
        type: 'charge.dispute.created',
        created: 1_800_000_001,
        data: { object: { id: 'dp_sbx_1' } },
      });
    } finally {
      await target.close();
    }
  });

  it('retries a failed delivery up to 3 times, then gives up and goes on with the next event', async () => {
    const target = await webhookServer((received) =>
      received.body.includes('evt_sbx_1') ? 500 : 200,
    );
    try {
      const sender = new SandboxWebhookSender(hostFor(target.server), options());
      const reports = await sender.send([event(1), event(2)]);
      expect(reports).toEqual([
        expect.objectContaining({ id: 'evt_sbx_1', delivered: false, attempts: 4, status: 500 }),
        expect.objectContaining({ id: 'evt_sbx_2', delivered: true, attempts: 1 }),
      ]);
      expect(target.received.map((item) => JSON.parse(item.body).id)).toEqual([
        'evt_sbx_1',
        'evt_sbx_1',
        'evt_sbx_1',
        'evt_sbx_1',
        'evt_sbx_2',
      ]);
    } finally {
      await target.close();
    }
  });

  it('succeeds on a retry after a transient failure', async () => {
    const target = await webhookServer((_received, index) => (index < 2 ? 503 : 200));
    try {
      const [report] = await new SandboxWebhookSender(hostFor(target.server), options()).send([
        event(1),
      ]);
      expect(report).toMatchObject({ delivered: true, attempts: 3, status: 200 });
    } finally {
      await target.close();
    }
  });

  it('delivers one event at a time in order, even across calls made at once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const target = await webhookServer(async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return 200;
    });
    try {
      const sender = new SandboxWebhookSender(hostFor(target.server), options());
      sender.sendLater([event(1), event(2)]);
      await Promise.all([sender.send([event(3)]), sender.send([event(4), event(5)])]);
      await until(() => target.received.length >= 5);
      const order = target.received.map((item) => JSON.parse(item.body).id);
      expect(order.slice().sort()).toEqual([
        'evt_sbx_1',
        'evt_sbx_2',
        'evt_sbx_3',
        'evt_sbx_4',
        'evt_sbx_5',
      ]);
      expect(order.indexOf('evt_sbx_1')).toBeLessThan(order.indexOf('evt_sbx_2'));
      expect(order.indexOf('evt_sbx_3')).toBeLessThan(order.indexOf('evt_sbx_4'));
      expect(order.indexOf('evt_sbx_4')).toBeLessThan(order.indexOf('evt_sbx_5'));
      expect(maxInFlight).toBe(1);
    } finally {
      await target.close();
    }
  });

  it('sends later what sendLater gets: not before the caller has gone on', async () => {
    const target = await webhookServer(() => 200);
    try {
      const sender = new SandboxWebhookSender(hostFor(target.server), options());
      sender.sendLater([event(1)]);
      expect(target.received).toHaveLength(0);
      await until(() => target.received.length === 1);
      expect(target.received).toHaveLength(1);
    } finally {
      await target.close();
    }
  });

  it('gives up when nothing listens, and stops retrying once the app shuts down', async () => {
    const target = await webhookServer(() => 200);
    const { port } = target.server.address() as AddressInfo;
    await target.close();
    const closedPort = {
      address: () => ({ address: '127.0.0.1', family: 'IPv4', port }),
    } as unknown as http.Server;
    const [refused] = await new SandboxWebhookSender(hostFor(closedPort), options()).send([
      event(1),
    ]);
    expect(refused).toMatchObject({ delivered: false, attempts: 4, status: null });

    const [notListening] = await new SandboxWebhookSender(hostFor(null), options()).send([
      event(2),
    ]);
    expect(notListening).toMatchObject({ delivered: false, attempts: 0 });

    const stopping = new SandboxWebhookSender(hostFor(closedPort), options([50, 50, 50]));
    const pending = stopping.send([event(3)]);
    stopping.onModuleDestroy();
    expect((await pending)[0]).toMatchObject({ delivered: false });
    expect((await pending)[0].attempts).toBeLessThanOrEqual(1);
  });
});
