import { CliUsageError, limitFlag, stringFlag, type CliCommand } from '../cli/cli-command';
import { formatTable } from '../cli/table';
import { SUBSCRIPTION_STATUSES, type SubscriptionStatus } from './entities/subscription.entity';
import { SubscriptionsService } from './subscriptions.service';

export const subscriptionCommands: CliCommand[] = [
  {
    path: ['subscriptions'],
    usage: `subscriptions [--status ${SUBSCRIPTION_STATUSES.join('|')}] [--customer-ref REF] [--limit N]`,
    description: 'list subscriptions, newest first',
    async run(context, args, io) {
      const status = stringFlag(args, 'status') as SubscriptionStatus | undefined;
      if (status && !SUBSCRIPTION_STATUSES.includes(status)) {
        throw new CliUsageError(`--status must be one of ${SUBSCRIPTION_STATUSES.join(', ')}`);
      }
      const { rows, total } = await context
        .get(SubscriptionsService)
        .list(
          { status, customerRef: stringFlag(args, 'customer-ref') },
          { page: 1, pageSize: limitFlag(args) },
        );
      io.out(
        formatTable(rows, [
          { header: 'ID', value: (r) => r.id },
          { header: 'STATUS', value: (r) => r.status },
          { header: 'PLAN', value: (r) => r.planName ?? r.priceId },
          { header: 'CUSTOMER REF', value: (r) => r.customerRef },
          { header: 'PERIOD END', value: (r) => r.currentPeriodEnd },
          { header: 'CANCELS AT END', value: (r) => (r.cancelAtPeriodEnd ? 'yes' : 'no') },
          { header: 'PROVIDER ID', value: (r) => r.providerSubscriptionId },
        ]),
      );
      if (total > rows.length) io.out(`(${rows.length} of ${total}; use --limit)`);
      return 0;
    },
  },
];
