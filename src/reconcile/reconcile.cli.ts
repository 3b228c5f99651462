import { InvalidArgumentError } from 'commander';
import { Command, Option } from 'nest-commander';
import { AppCommand } from '../cli/cli-command';
import { parseDuration } from '../config/app-config';
import { ReconcileService, type ReconcileSummary } from './reconcile.service';

/** Stripe keeps events for 30 days. */
const MAX_SINCE_SECONDS = 30 * 86400;

export function parseSince(value: string): number {
  const seconds = parseDuration(value);
  if (seconds === null || seconds > MAX_SINCE_SECONDS)
    throw new InvalidArgumentError('--since must be a duration like 30m, 72h or 7d (at most 30d)');
  return seconds;
}

/** The lines `payments reconcile` prints. */
export function describeRun(summary: ReconcileSummary): string {
  const lines = [
    `reconciled events since ${summary.since.toISOString()} (run ${summary.runId}${
      summary.resumedRunId !== null ? `, resuming run ${summary.resumedRunId}` : ''
    }) in ${summary.durationMs} ms`,
    `  listed       ${summary.listed}`,
    `  already had  ${summary.alreadyHad}`,
    `  applied      ${summary.applied.length}${summary.applied.length ? `  ${summary.applied.join(' ')}` : ''}`,
    `  ignored      ${summary.ignored}`,
    `  settled      ${summary.settled.length}${summary.settled.length ? `  ${summary.settled.join(' ')}` : ''}`,
    `  failed       ${summary.failed.length}${summary.failed.length ? `  ${summary.failed.join(' ')}` : ''}`,
  ];
  return lines.join('\n');
}

@Command({
  name: 'reconcile',
  description:
    "recover missed webhooks: pass the provider's events not yet in the inbox through the inbox (default: RECONCILE_LOOKBACK)",
})
export class ReconcileCommand extends AppCommand {
  @Option({
    flags: '--since <duration>',
    description: 'how far back to list events: 30m, 72h, 7d (default RECONCILE_LOOKBACK, 72h)',
  })
  parseSince(value: string): number {
    return parseSince(value);
  }

  @Option({ flags: '--json', description: 'print JSON instead of text' })
  parseJson(): boolean {
    return true;
  }

  async run(_args: string[], options: { since?: number; json?: boolean }): Promise<void> {
    const service = await this.service(ReconcileService);
    const summary = await service.run({
      trigger: 'cli',
      since: options.since === undefined ? undefined : new Date(Date.now() - options.since * 1000),
    });
    if (options.json) {
      this.cli.json({
        skipped: summary.skipped,
        run_id: summary.runId,
        since: summary.since.toISOString(),
        resumed_run_id: summary.resumedRunId,
        listed: summary.listed,
        already_had: summary.alreadyHad,
        applied: summary.applied,
        ignored: summary.ignored,
        failed: summary.failed,
        settled: summary.settled,
        duration_ms: summary.durationMs,
      });
    } else if (summary.skipped) {
      this.cli.out('another instance is reconciling right now; nothing done');
    } else {
      this.cli.out(describeRun(summary));
    }
    if (summary.failed.length > 0) this.cli.exitCode = 1;
  }
}

/** This feature's `payments` commands (listed in src/cli/commands.ts). */
export const reconcileCommands = [ReconcileCommand];
