import { SandboxCatalog, DEFAULT_SANDBOX_PRICES } from './sandbox-catalog';
import { SandboxCheckoutService } from './sandbox-checkout.service';
import { SandboxClock } from './sandbox-clock';
import type { SandboxEvent, SandboxEventEnvelope, SandboxPrice } from './sandbox-objects.types';
import type { SandboxOptions } from './sandbox.options';
import { SandboxLedger } from './sandbox.ledger';
import { SandboxPaymentProvider } from './sandbox.provider';
import { SandboxSimulatorService } from './sandbox-simulator.service';
import { SandboxStore } from './sandbox.store';
import type { DeliveryReport, SandboxEventSink } from './sandbox-webhook.sender';

/*
 * An in-process sandbox without Nest or HTTP, for unit tests: events are
 * recorded instead of posted, and the clock is set by hand.
 */

/** Records what the sandbox would have sent, in order. */
export class RecordingEventSink implements SandboxEventSink {
  readonly events: SandboxEvent[] = [];
  /** Ids of events sent after the call returned (sendLater). */
  readonly deferred = new Set<string>();

  async send(events: SandboxEvent[]): Promise<DeliveryReport[]> {
    this.events.push(...events);
    return events.map((event) => ({
      id: event.id,
      type: event.type,
      delivered: true,
      attempts: 1,
      status: 200,
    }));
  }

  sendLater(events: SandboxEvent[]): void {
    for (const event of events) this.deferred.add(event.id);
    this.events.push(...events);
  }

  types(): string[] {
    return this.events.map((event) => event.type);
  }

  envelopes(): SandboxEventEnvelope[] {
    return this.events.map((event) => JSON.parse(event.body) as SandboxEventEnvelope);
  }

  clear(): void {
    this.events.length = 0;
    this.deferred.clear();
  }
}

/** A sandbox clock whose real time is set by the test. */
export class ManualClock extends SandboxClock {
  constructor(private realMs: number = Date.UTC(2026, 0, 31, 12, 0, 0)) {
    super();
  }

  setRealTime(ms: number): void {
    this.realMs = ms;
  }

  protected override realNowMs(): number {
    return this.realMs;
  }
}

export const TEST_WEBHOOK_SECRET = 'whsec_sandbox_unit_test';

export function createTestSandbox(prices: readonly SandboxPrice[] = DEFAULT_SANDBOX_PRICES) {
  const options: SandboxOptions = {
    prices: [...prices],
    webhookSecret: TEST_WEBHOOK_SECRET,
    publicBaseUrl: 'http://localhost:8000',
    retryDelaysMs: [],
  };
  const store = new SandboxStore();
  const clock = new ManualClock();
  const catalog = new SandboxCatalog(options.prices);
  const ledger = new SandboxLedger(store, clock);
  const sink = new RecordingEventSink();
  const provider = new SandboxPaymentProvider(store, catalog, clock, ledger, sink, options);
  const checkout = new SandboxCheckoutService(store, clock, ledger, sink);
  const simulator = new SandboxSimulatorService(store, clock, ledger, checkout, sink);
  return { options, store, clock, catalog, ledger, sink, provider, checkout, simulator };
}

export type TestSandbox = ReturnType<typeof createTestSandbox>;
