import { CliUsageError, stringFlag, type CliCommand } from '../cli/cli-command';
import { formatTable } from '../cli/table';
import { RefundsService } from './refunds.service';

export const refundCommands: CliCommand[] = [
  {
    path: ['refunds', 'retry-pending'],
    usage: 'refunds retry-pending [--older-than-minutes N]',
    description:
      'send again the refunds whose provider call timed out or failed (same idempotency key: made at most once)',
    async run(context, args, io) {
      const raw = stringFlag(args, 'older-than-minutes') ?? '10';
      if (!/^\d+$/.test(raw))
        throw new CliUsageError('--older-than-minutes must be a whole number');
      const results = await context.get(RefundsService).retryPending(Number(raw));
      io.out(
        formatTable(results, [
          { header: 'REFUND', value: (r) => r.refund.id },
          { header: 'CHARGE', value: (r) => r.refund.parentTransactionId },
          { header: 'AMOUNT', value: (r) => `${r.refund.amount} ${r.refund.currency}` },
          { header: 'STATUS', value: (r) => r.refund.status },
          { header: 'PROVIDER REFUND', value: (r) => r.refund.providerRefundId },
          { header: 'ERROR', value: (r) => r.error },
        ]),
      );
      return results.some((r) => r.error) ? 1 : 0;
    },
  },
];
