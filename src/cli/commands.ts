import type { Type } from '@nestjs/common';
import type { CommandRunner } from 'nest-commander';
import { databaseCommands } from '../database/migrate.cli';
import { disputeCommands } from '../disputes/disputes.cli';
import { eventCommands } from '../events/events.cli';
import { reconcileCommands } from '../reconcile/reconcile.cli';
import { refundCommands } from '../refunds/refunds.cli';
import { subscriptionCommands } from '../subscriptions/subscriptions.cli';
import { transactionCommands } from '../transactions/transactions.cli';
import { webhookCommands } from '../webhooks/webhooks.cli';

/**
 * Every CLI command class, sub-commands included; a feature lists its own in
 * its `<feature>.cli.ts` and adds that list here.
 */
export const CLI_COMMANDS: Type<CommandRunner>[] = [
  ...databaseCommands,
  ...transactionCommands,
  ...subscriptionCommands,
  ...disputeCommands,
  ...webhookCommands,
  ...refundCommands,
  ...eventCommands,
  ...reconcileCommands,
];
