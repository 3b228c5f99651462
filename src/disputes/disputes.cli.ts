import { Command, Option, SubCommand } from 'nest-commander';
import { AppCommand, ListCommand, oneOf, type ListOptions } from '../cli/cli-command';
import { formatTable } from '../cli/table';
import type { DisputeResource } from './dispute.resource';
import { DisputeDeadlineJob } from './dispute-deadline.job';
import {
  DISPUTE_STATUS_FILTERS,
  DisputesService,
  type DisputeStatusFilter,
} from './disputes.service';

const money = (d: DisputeResource): string | null =>
  d.amount === null ? null : `${(d.amount / 100).toFixed(2)} ${d.currency ?? ''}`.trim();
const time = (iso: string | null): string | null => (iso ? iso.replace(/\.\d{3}Z$/, 'Z') : null);

@SubCommand({
  name: 'check-deadlines',
  description:
    'run the evidence-deadline job once: flag disputes past their deadline, warn about those due soon',
})
export class DisputesCheckDeadlinesCommand extends AppCommand {
  async run(): Promise<void> {
    const summary = await (await this.service(DisputeDeadlineJob)).run();
    if (summary.skipped) {
      this.cli.out('another instance is running the deadline job right now; nothing done');
      return;
    }
    const line = (d: DisputeResource) =>
      `  ${d.provider_dispute_id}  due ${time(d.evidence_due_by)}  (dispute ${d.id}, transaction ${d.transaction_id ?? '-'})`;
    this.cli.out(
      [
        `flagged ${summary.flagged.length} dispute(s) past their evidence deadline without a response`,
        ...summary.flagged.map(line),
        `warned about ${summary.warned.length} dispute(s) due soon`,
        ...summary.warned.map(line),
      ].join('\n'),
    );
  }
}

@Command({
  name: 'disputes',
  description: 'list disputes and fraud warnings with their evidence deadlines, newest first',
  subCommands: [DisputesCheckDeadlinesCommand],
})
export class DisputesCommand extends ListCommand {
  @Option({
    flags: '--status <status>',
    description: 'only disputes in this state ("open": awaiting a response or under review)',
    choices: [...DISPUTE_STATUS_FILTERS],
  })
  parseStatus(value: string): string {
    return oneOf(DISPUTE_STATUS_FILTERS, value);
  }

  async run(_args: string[], options: ListOptions & { status?: DisputeStatusFilter }) {
    const disputes = await (
      await this.service(DisputesService)
    ).getDisputes({ status: options.status, limit: options.limit });
    if (options.json) return this.cli.json({ disputes });
    this.cli.out(
      formatTable(disputes, [
        { header: 'ID', value: (d) => d.id },
        { header: 'PROVIDER ID', value: (d) => d.provider_dispute_id },
        { header: 'KIND', value: (d) => d.kind },
        { header: 'STATUS', value: (d) => d.status },
        { header: 'REASON', value: (d) => d.reason },
        { header: 'AMOUNT', value: money },
        { header: 'EVIDENCE DUE BY', value: (d) => time(d.evidence_due_by) },
        { header: 'DEADLINE PASSED', value: (d) => (d.deadline_flagged_at ? 'yes' : null) },
        { header: 'TRANSACTION', value: (d) => d.transaction_id },
        { header: 'CREATED', value: (d) => time(d.created_at) },
      ]),
    );
  }
}

/** This feature's `payments` commands (listed in src/cli/commands.ts). */
export const disputeCommands = [DisputesCommand, DisputesCheckDeadlinesCommand];
