import type { ModuleRef } from '@nestjs/core';
import { MetricsService } from './metrics.service';

const noProbe = {
  get: () => {
    throw new Error('no BACKLOG_PROBE');
  },
} as unknown as ModuleRef;

async function sample(metrics: MetricsService, name: string, labels: Record<string, string>) {
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

describe('MetricsService.timeJob', () => {
  it.each([
    ['succeeded', () => Promise.resolve({ skipped: false })],
    ['skipped', () => Promise.resolve({ skipped: true })],
  ] as const)('counts a run that %s and returns its result', async (outcome, fn) => {
    const metrics = new MetricsService(noProbe);
    const result = await metrics.timeJob('settling', fn, (r) =>
      r.skipped ? 'skipped' : 'succeeded',
    );
    expect(result).toEqual(await fn());
    expect(await sample(metrics, 'payments_job_runs_total', { job: 'settling', outcome })).toBe(1);
    expect(await sample(metrics, 'payments_job_failures_total', { job: 'settling' })).toBe(0);
    expect(await sample(metrics, 'payments_job_duration_seconds_count', { job: 'settling' })).toBe(
      1,
    );
  });

  it('counts a run that throws as failed and rethrows', async () => {
    const metrics = new MetricsService(noProbe);
    await expect(
      metrics.timeJob('reconciliation', () => Promise.reject(new Error('db down'))),
    ).rejects.toThrow('db down');
    expect(
      await sample(metrics, 'payments_job_runs_total', {
        job: 'reconciliation',
        outcome: 'failed',
      }),
    ).toBe(1);
    expect(await sample(metrics, 'payments_job_failures_total', { job: 'reconciliation' })).toBe(1);
  });

  it('keeps each instance in its own registry', async () => {
    const a = new MetricsService(noProbe);
    const b = new MetricsService(noProbe);
    a.jobRun('deadline', 'succeeded');
    expect(await sample(a, 'payments_job_runs_total', { job: 'deadline' })).toBe(1);
    expect(await sample(b, 'payments_job_runs_total', { job: 'deadline' })).toBe(0);
  });
});
