import type { ModuleRef } from '@nestjs/core';
import { MetricsService } from '../metrics/metrics.service';
import { instrumentPaymentProvider } from './instrumented-payment-provider';
import { ProviderError } from './payment-provider.errors';
import type { PaymentProvider } from './payment-provider.interface';

const noProbe = {
  get: () => {
    throw new Error('no BACKLOG_PROBE');
  },
} as unknown as ModuleRef;

class FakeProvider {
  readonly name = 'fake';
  calls = 0;
  retrievePayment(id: string) {
    this.calls++;
    return Promise.resolve({ id });
  }
  createRefund() {
    return Promise.reject(new ProviderError('unavailable', 'timeout'));
  }
  createCustomer() {
    return Promise.reject(new Error('socket hang up'));
  }
  parseWebhook() {
    return { id: 'evt_1' };
  }
}

async function count(metrics: MetricsService, name: string, labels: Record<string, string>) {
  // Histogram samples (`_count`, `_sum`, `_bucket`) carry their own metricName.
  const values = (await metrics.registry.getMetricsAsJSON()).flatMap((m) =>
    (m.values as { labels: Record<string, string>; value: number; metricName?: string }[]).map(
      (v) => ({ ...v, metricName: v.metricName ?? m.name }),
    ),
  );
  return values
    .filter((v) => v.metricName === name)
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('instrumentPaymentProvider', () => {
  let metrics: MetricsService;
  let fake: FakeProvider;
  let provider: PaymentProvider;

  beforeEach(() => {
    metrics = new MetricsService(noProbe);
    fake = new FakeProvider();
    provider = instrumentPaymentProvider(fake as unknown as PaymentProvider, metrics);
  });

  it('passes results through and times each call by operation', async () => {
    await expect(provider.retrievePayment('pi_1')).resolves.toEqual({ id: 'pi_1' });
    expect(fake.calls).toBe(1);
    expect(provider.name).toBe('fake');
    expect(
      await count(metrics, 'payments_provider_call_duration_seconds_count', {
        provider: 'fake',
        operation: 'retrievePayment',
        outcome: 'ok',
      }),
    ).toBe(1);
  });

  it('rethrows errors unchanged and counts them by kind', async () => {
    await expect(
      provider.createRefund({} as Parameters<PaymentProvider['createRefund']>[0]),
    ).rejects.toBeInstanceOf(ProviderError);
    await expect(
      provider.createCustomer({} as Parameters<PaymentProvider['createCustomer']>[0]),
    ).rejects.toThrow('socket hang up');
    expect(
      await count(metrics, 'payments_provider_call_errors_total', {
        operation: 'createRefund',
        kind: 'unavailable',
      }),
    ).toBe(1);
    expect(
      await count(metrics, 'payments_provider_call_errors_total', {
        operation: 'createCustomer',
        kind: 'unknown',
      }),
    ).toBe(1);
  });

  it('leaves local calls (webhook parsing) unmeasured', async () => {
    expect(provider.parseWebhook(Buffer.from(''), {})).toEqual({ id: 'evt_1' });
    expect(
      await count(metrics, 'payments_provider_call_duration_seconds_count', {
        operation: 'parseWebhook',
      }),
    ).toBe(0);
  });

  it('lets a test spy on a call (jest.spyOn) and still measures it', async () => {
    const spy = jest.spyOn(provider, 'retrievePayment');
    await provider.retrievePayment('pi_2');
    expect(spy).toHaveBeenCalledWith('pi_2');
    expect(fake.calls).toBe(1);
    spy.mockRestore();
    await provider.retrievePayment('pi_3');
    expect(fake.calls).toBe(2);
    expect(
      await count(metrics, 'payments_provider_call_duration_seconds_count', {
        operation: 'retrievePayment',
      }),
    ).toBe(2);
  });
});
