import { Inject, Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { PaymentMount } from '../../common/payment-mount';
import { SANDBOX_OPTIONS, type SandboxOptions } from './sandbox.options';
import type {
  SandboxEvent,
  SandboxEventEnvelope,
  SandboxEventType,
  SandboxObject,
  UnixSeconds,
} from './sandbox-objects.types';
import { SANDBOX_SIGNATURE_HEADER, signSandboxPayload } from './sandbox-signature';
import { SANDBOX_EVENT_LOG, type SandboxEventLog } from './sandbox-event.log';

/** The service's own webhook route (DESIGN §6.1): sandbox events take Stripe's path in. */
const WEBHOOK_PATH = '/api/v1/payment/webhook';
const REQUEST_TIMEOUT_MS = 15_000;

/** Serialises an event once: those bytes are what gets signed and sent. */
export function buildSandboxEvent(
  id: string,
  type: SandboxEventType,
  object: SandboxObject,
  created: UnixSeconds,
): SandboxEvent {
  const envelope: SandboxEventEnvelope = { id, object: 'event', type, created, data: { object } };
  return { id, type, body: JSON.stringify(envelope) };
}

export interface DeliveryReport {
  id: string;
  type: SandboxEventType;
  delivered: boolean;
  attempts: number;
  /** The webhook route's last HTTP status; null when it could not be reached. */
  status: number | null;
  /** true: not sent on purpose (the drop switch is on); the event is in the log. */
  dropped?: boolean;
}

export const SANDBOX_EVENT_SINK = Symbol('SANDBOX_EVENT_SINK');

/** Where the sandbox's events go (the HTTP sender; a recorder in unit tests). */
export interface SandboxEventSink {
  /** Sends in order, one at a time; resolves when each was delivered or given up. */
  send(events: SandboxEvent[]): Promise<DeliveryReport[]>;
  /** Sends once the current call has returned, as a provider's webhooks arrive after its API answer. */
  sendLater(events: SandboxEvent[]): void;
}

/**
 * Delivers events by HTTP POST to this very service's webhook route, signed
 * like Stripe's, so that they take the same path in as a real provider's. The
 * port is read from the listening server at delivery time (tests listen on a
 * random one). One queue for the whole sandbox keeps events in order.
 */
@Injectable()
export class SandboxWebhookSender implements SandboxEventSink, OnModuleDestroy {
  private readonly logger = new Logger(SandboxWebhookSender.name);
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(SANDBOX_OPTIONS) private readonly options: SandboxOptions,
    /** Every event is logged before it is sent (or dropped): the sandbox's Events API. */
    @Optional() @Inject(SANDBOX_EVENT_LOG) private readonly log?: SandboxEventLog,
    /** Where the webhook route is mounted (a host's global prefix, PaymentModule's route prefix). */
    @Optional() private readonly mount?: PaymentMount,
  ) {}

  send(events: SandboxEvent[]): Promise<DeliveryReport[]> {
    const run = async (): Promise<DeliveryReport[]> => {
      const reports: DeliveryReport[] = [];
      for (const event of events) {
        const dropping = (await this.log?.dropping()) ?? false;
        await this.log?.record([event], dropping);
        reports.push(
          dropping
            ? {
                id: event.id,
                type: event.type,
                delivered: false,
                attempts: 0,
                status: null,
                dropped: true,
              }
            : await this.deliver(event),
        );
      }
      return reports;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  sendLater(events: SandboxEvent[]): void {
    setImmediate(() => {
      this.send(events).catch((error: unknown) =>
        this.logger.error({
          msg: 'sandbox webhook delivery crashed',
          error: (error as Error).message,
        }),
      );
    });
  }

  onModuleDestroy(): void {
    // The server is going away: do not retry into a closed port.
    this.stopped = true;
  }

  private async deliver(event: SandboxEvent): Promise<DeliveryReport> {
    const report: DeliveryReport = {
      id: event.id,
      type: event.type,
      delivered: false,
      attempts: 0,
      status: null,
    };
    const delays = this.options.retryDelaysMs;
    let lastError = '';
    for (let attempt = 0; attempt <= delays.length && !this.stopped; attempt++) {
      if (attempt > 0) await sleep(delays[attempt - 1]);
      if (this.stopped) break;
      const url = this.webhookUrl();
      if (!url) {
        lastError = 'the HTTP server is not listening';
        continue;
      }
      report.attempts++;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SANDBOX_SIGNATURE_HEADER]: signSandboxPayload(event.body, this.options.webhookSecret),
          },
          body: event.body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        report.status = response.status;
        const text = await response.text();
        if (response.ok) {
          report.delivered = true;
          return report;
        }
        lastError = `HTTP ${response.status}: ${text.slice(0, 300)}`;
      } catch (error) {
        report.status = null;
        lastError = (error as Error).message;
      }
    }
    this.logger.warn({
      msg: 'sandbox webhook not delivered, giving up',
      event_id: event.id,
      type: event.type,
      attempts: report.attempts,
      error: this.stopped ? 'application shutting down' : lastError,
    });
    return report;
  }

  private webhookUrl(): string | null {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as
      { address(): AddressInfo | string | null } | undefined;
    const address = server?.address();
    if (!address || typeof address === 'string') return null;
    const host =
      address.address === '::' || address.address === '0.0.0.0' || address.address === ''
        ? '127.0.0.1'
        : address.family === 'IPv6'
          ? `[${address.address}]`
          : address.address;
    const path = this.mount?.path(WEBHOOK_PATH) ?? WEBHOOK_PATH;
    return `http://${host}:${address.port}${path}`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
