import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ON_PAYMENT_EVENT, type PaymentListenerMetadata } from './on-payment-event.decorator';
import type { PaymentEventName } from './payment-events';

/** One durable listener: a method of a provider, under a stable name. */
export interface PaymentListener {
  name: string;
  events: PaymentEventName[];
  handle(payload: unknown): Promise<unknown>;
}

/**
 * Finds every `@OnPaymentEvent` method of the app's providers at boot (the
 * service's own and the host app's). Two methods under one name refuse to boot:
 * the name is the key of their deliveries.
 */
@Injectable()
export class PaymentListenerRegistry implements OnModuleInit {
  private readonly logger = new Logger(PaymentListenerRegistry.name);
  private readonly listeners = new Map<string, PaymentListener>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | null | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = instance[method];
        if (typeof fn !== 'function') continue;
        const metadata = Reflect.getMetadata(ON_PAYMENT_EVENT, fn) as
          PaymentListenerMetadata[] | undefined;
        if (!metadata?.length) continue;
        const name = metadata.find((m) => m.name)?.name ?? `${instance.constructor.name}.${method}`;
        if (this.listeners.has(name))
          throw new Error(
            `Two @OnPaymentEvent listeners are named "${name}": give one a name ({ name: '…' })`,
          );
        this.listeners.set(name, {
          name,
          events: [...new Set(metadata.map((m) => m.event))],
          handle: async (payload) => (fn as (p: unknown) => unknown).call(instance, payload),
        });
      }
    }
    this.logger.log({
      msg: 'durable payment event listeners',
      listeners: [...this.listeners.keys()],
    });
  }

  get(name: string): PaymentListener | undefined {
    return this.listeners.get(name);
  }

  all(): PaymentListener[] {
    return [...this.listeners.values()];
  }

  /** Parallel arrays (listener, event) for the outbox insert. */
  subscriptions(): { listeners: string[]; events: string[] } {
    const listeners: string[] = [];
    const events: string[] = [];
    for (const listener of this.listeners.values()) {
      for (const event of listener.events) {
        listeners.push(listener.name);
        events.push(event);
      }
    }
    return { listeners, events };
  }
}
