import { loadConfig, parseDuration } from './app-config';

describe('reconciliation configuration', () => {
  it('defaults to an hourly run over the last 72 hours', () => {
    const { reconcile } = loadConfig({});
    expect(reconcile).toEqual({
      cron: '0 * * * *',
      lookbackSeconds: 72 * 3600,
      pendingAfterSeconds: 3600,
    });
  });

  it('turns the schedule off with RECONCILE_CRON=off and takes 30m, 72h, 7d', () => {
    expect(loadConfig({ RECONCILE_CRON: 'off' }).reconcile.cron).toBeNull();
    expect(loadConfig({ RECONCILE_LOOKBACK: '30m' }).reconcile.lookbackSeconds).toBe(1800);
    expect(loadConfig({ RECONCILE_LOOKBACK: '7d' }).reconcile.lookbackSeconds).toBe(7 * 86400);
  });

  it.each([
    [{ RECONCILE_CRON: 'hourly' }, 'RECONCILE_CRON must be a cron expression'],
    [{ RECONCILE_LOOKBACK: '72' }, 'RECONCILE_LOOKBACK must be a duration like 30m, 72h or 7d'],
    [{ RECONCILE_LOOKBACK: '0h' }, 'RECONCILE_LOOKBACK must be a duration'],
    [{ RECONCILE_LOOKBACK: '31d' }, 'RECONCILE_LOOKBACK must be a duration'],
    [{ RECONCILE_PENDING_AFTER: 'soon' }, 'RECONCILE_PENDING_AFTER must be a duration'],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([expect.stringContaining(message)]),
      }),
    );
  });

  it('parses durations', () => {
    expect(parseDuration('45s')).toBe(45);
    expect(parseDuration(' 2h ')).toBe(7200);
    expect(parseDuration('1.5h')).toBeNull();
    expect(parseDuration('-1h')).toBeNull();
    expect(parseDuration('')).toBeNull();
  });
});
