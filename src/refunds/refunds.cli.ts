import { Command, Option, SubCommand } from 'nest-commander';
import { AppCommand, parseWholeNumber } from '../cli/cli-command';
import { formatTable } from '../cli/table';
import { SettlementJob } from '../events/settlement-job';
import { toTransactionResource } from '../transactions/transaction.resource';
import { RefundsService } from './refunds.service';

@SubCommand({
  name: 'retry-pending',
  description:
    'send again the refunds whose provider call timed out or failed (same idempotency key: made at most once)',
})
export class RefundsRetryPendingCommand extends AppCommand {
  @Option({
    flags: '--older-than-minutes <n>',
    description: 'only refunds pending for at least n minutes',
    defaultValue: 10,
  })
  parseOlderThan(value: string): number {
    return parseWholeNumber('--older-than-minutes')(value);
  }

  @Option({ flags: '--json', description: 'print JSON instead of a table' })
  parseJson(): boolean {
    return true;
  }

  async run(_args: string[], options: { olderThanMinutes: number; json?: boolean }) {
    const results = await (
      await this.service(RefundsService)
    ).retryPending(options.olderThanMinutes);
    if (results.some((r) => r.error)) this.cli.exitCode = 1;
    if (options.json) {
      return this.cli.json({
        refunds: results.map((r) => ({ refund: toTransactionResource(r.refund), error: r.error })),
      });
    }
    this.cli.out(
      formatTable(results, [
        { header: 'REFUND', value: (r) => r.refund.id },
        { header: 'CHARGE', value: (r) => r.refund.parentTransactionId },
        { header: 'AMOUNT', value: (r) => `${r.refund.amount} ${r.refund.currency}` },
        { header: 'STATUS', value: (r) => r.refund.status },
        { header: 'PROVIDER REFUND', value: (r) => r.refund.providerRefundId },
        { header: 'ERROR', value: (r) => r.error },
      ]),
    );
  }
}

/** "3 settled" for a list, "found 1, expired 0" for a summary of lists. */
function describeSettled(result: unknown): string {
  if (Array.isArray(result)) return `${result.length} settled`;
  if (result && typeof result === 'object')
    return Object.entries(result)
      .map(([key, value]) => `${key} ${Array.isArray(value) ? value.length : String(value)}`)
      .join(', ');
  return String(result);
}

@SubCommand({
  name: 'settle',
  description:
    'run the settling job once: refunds, cancel/resume and checkout creations whose provider outcome is unknown',
})
export class RefundsSettleCommand extends AppCommand {
  @Option({ flags: '--json', description: 'print JSON instead of a summary' })
  parseJson(): boolean {
    return true;
  }

  async run(_args: string[], options: { json?: boolean }) {
    const run = await (await this.service(SettlementJob)).run();
    if (options.json) return this.cli.json(run);
    if (run.skipped) {
      this.cli.out('another instance is running the settling job right now; nothing done');
      return;
    }
    this.cli.out(
      Object.entries(run.results)
        .map(([settler, result]) => `${settler}: ${describeSettled(result)}`)
        .join('\n'),
    );
  }
}

@Command({
  name: 'refunds',
  description: 'refund maintenance (see its commands)',
  subCommands: [RefundsRetryPendingCommand, RefundsSettleCommand],
})
export class RefundsCommand extends AppCommand {
  run(): Promise<void> {
    return Promise.resolve(this.usageError('refunds needs a command'));
  }
}

/** This feature's `payments` commands (listed in src/cli/commands.ts). */
export const refundCommands = [RefundsCommand, RefundsRetryPendingCommand, RefundsSettleCommand];
