import { CliUsageError, limitFlag, stringFlag, type CliCommand } from '../cli/cli-command';
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

export const disputeCommands: CliCommand[] = [
  {
    path: ['disputes'],
    usage: `disputes [--status ${DISPUTE_STATUS_FILTERS.join('|')}] [--limit N]`,
    description: 'list disputes and fraud warnings with their evidence deadlines, newest first',
    async run(context, args, io) {
      if (args.positional.length > 0)
        throw new CliUsageError(`unknown disputes command "${args.positional.join(' ')}"`);
      const status = stringFlag(args, 'status') as DisputeStatusFilter | undefined;
      if (status && !DISPUTE_STATUS_FILTERS.includes(status))
        throw new CliUsageError(`--status must be one of ${DISPUTE_STATUS_FILTERS.join(', ')}`);
      const disputes = await context
        .get(DisputesService)
        .getDisputes({ status, limit: limitFlag(args) });
      io.out(
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
      return 0;
    },
  },
  {
    path: ['disputes', 'check-deadlines'],
    usage: 'disputes check-deadlines',
    description:
      'run the evidence-deadline job once: flag disputes past their deadline, warn about those due soon',
    async run(context, _args, io) {
      const summary = await context.get(DisputeDeadlineJob).run();
      if (summary.skipped) {
        io.out('another instance is running the deadline job right now; nothing done');
        return 0;
      }
      const line = (d: DisputeResource) =>
        `  ${d.provider_dispute_id}  due ${time(d.evidence_due_by)}  (dispute ${d.id}, transaction ${d.transaction_id ?? '-'})`;
      io.out(
        [
          `flagged ${summary.flagged.length} dispute(s) past their evidence deadline without a response`,
          ...summary.flagged.map(line),
          `warned about ${summary.warned.length} dispute(s) due soon`,
          ...summary.warned.map(line),
        ].join('\n'),
      );
      return 0;
    },
  },
];
