import { disputeCommands } from '../disputes/disputes.cli';
import { eventCommands } from '../events/events.cli';
import { refundCommands } from '../refunds/refunds.cli';
import { subscriptionCommands } from '../subscriptions/subscriptions.cli';
import { transactionCommands } from '../transactions/transactions.cli';
import { webhookCommands } from '../webhooks/webhooks.cli';
import type { CliCommand } from './cli-command';

/** Every CLI command; a feature adds its own list here. `migrate` is built into run-cli. */
export const CLI_COMMANDS: CliCommand[] = [
  ...webhookCommands,
  ...disputeCommands,
  ...subscriptionCommands,
  ...transactionCommands,
  ...refundCommands,
  ...eventCommands,
];
