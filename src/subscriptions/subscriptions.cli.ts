import { Command, Option } from 'nest-commander';
import { ListCommand, oneOf, type ListOptions } from '../cli/cli-command';
import { formatTable } from '../cli/table';
import { SUBSCRIPTION_STATUSES, type SubscriptionStatus } from './entities/subscription.entity';
import { toSubscriptionResource } from './subscription.resource';
import { SubscriptionsService } from './subscriptions.service';

@Command({ name: 'subscriptions', description: 'list subscriptions, newest first' })
export class SubscriptionsCommand extends ListCommand {
  @Option({
    flags: '--status <status>',
    description: 'only subscriptions in this status',
    choices: [...SUBSCRIPTION_STATUSES],
  })
  parseStatus(value: string): string {
    return oneOf(SUBSCRIPTION_STATUSES, value);
  }

  @Option({ flags: '--customer-ref <ref>', description: "only this app user's subscriptions" })
  parseCustomerRef(value: string): string {
    return value;
  }

  async run(
    _args: string[],
    options: ListOptions & { status?: SubscriptionStatus; customerRef?: string },
  ) {
    const { rows, total } = await (
      await this.service(SubscriptionsService)
    ).list(
      { status: options.status, customerRef: options.customerRef },
      { page: 1, pageSize: options.limit },
    );
    if (options.json)
      return this.cli.json({ subscriptions: rows.map(toSubscriptionResource), total });
    this.cli.out(
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
    if (total > rows.length) this.cli.out(`(${rows.length} of ${total}; use --limit)`);
  }
}

/** This feature's `payments` commands (listed in src/cli/commands.ts). */
export const subscriptionCommands = [SubscriptionsCommand];
