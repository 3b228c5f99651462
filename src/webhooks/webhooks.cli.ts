import { CliUsageError, limitFlag, stringFlag, type CliCommand } from '../cli/cli-command';
import { formatTable } from '../cli/table';
import type { WebhookEventStatus } from './entities/webhook-event.entity';
import { WebhooksService } from './webhooks.service';

const STATUSES: WebhookEventStatus[] = ['received', 'processed', 'failed', 'ignored'];

export const webhookCommands: CliCommand[] = [
  {
    path: ['webhooks'],
    usage: 'webhooks [--status received|processed|failed|ignored] [--limit N]',
    description: 'list inbox rows, newest first',
    async run(context, args, io) {
      const status = stringFlag(args, 'status') as WebhookEventStatus | undefined;
      if (status && !STATUSES.includes(status))
        throw new CliUsageError(`--status must be one of ${STATUSES.join(', ')}`);
      const rows = await context.get(WebhooksService).list({ status, limit: limitFlag(args) });
      io.out(
        formatTable(rows, [
          { header: 'EVENT ID', value: (r) => r.providerEventId },
          { header: 'TYPE', value: (r) => r.type },
          { header: 'STATUS', value: (r) => r.status },
          { header: 'ATTEMPTS', value: (r) => r.attempts },
          { header: 'RECEIVED', value: (r) => r.receivedAt },
          { header: 'LAST ERROR', value: (r) => r.lastError?.slice(0, 80) },
        ]),
      );
      return 0;
    },
  },
  {
    path: ['webhooks', 'replay'],
    usage: 'webhooks replay <event id>',
    description: 'reprocess one stored event (e.g. after fixing a failing listener)',
    async run(context, args, io) {
      const eventId = args.positional[0];
      if (!eventId) throw new CliUsageError('webhooks replay needs an event id');
      const outcome = await context.get(WebhooksService).replay(eventId);
      io.out(`${eventId}: ${outcome}`);
      return 0;
    },
  },
];
