import { CliUsageError, limitFlag, stringFlag, type CliCommand } from '../cli/cli-command';
import { formatTable } from '../cli/table';
import { DELIVERY_STATUSES, EventsService, type DeliveryStatus } from './events.service';

export const eventCommands: CliCommand[] = [
  {
    path: ['events'],
    usage: 'events [--status pending|failed|delivered|dead] [--listener NAME] [--limit N]',
    description: 'list durable event deliveries (one per event and listener), newest first',
    async run(context, args, io) {
      const status = stringFlag(args, 'status') as DeliveryStatus | undefined;
      if (status && !DELIVERY_STATUSES.includes(status))
        throw new CliUsageError(`--status must be one of ${DELIVERY_STATUSES.join(', ')}`);
      const rows = await context.get(EventsService).list({
        status,
        listener: stringFlag(args, 'listener'),
        limit: limitFlag(args),
      });
      io.out(
        formatTable(rows, [
          { header: 'ID', value: (r) => r.id },
          { header: 'EVENT', value: (r) => r.event },
          { header: 'AGGREGATE', value: (r) => r.aggregate },
          { header: 'LISTENER', value: (r) => r.listener },
          { header: 'STATUS', value: (r) => r.status },
          { header: 'ATTEMPTS', value: (r) => r.attempts },
          { header: 'CREATED', value: (r) => r.created_at },
          { header: 'LAST ERROR', value: (r) => r.last_error?.slice(0, 80) },
        ]),
      );
      return 0;
    },
  },
  {
    path: ['events', 'retry'],
    usage: 'events retry <delivery id> | --dead',
    description: 'deliver again one delivery, or every dead one (attempts start over)',
    async run(context, args, io) {
      const raw = args.positional[0];
      const events = context.get(EventsService);
      let ids: number[];
      if (args.flags.dead === true && raw === undefined) ids = await events.retry({ dead: true });
      else if (raw !== undefined && /^\d+$/.test(raw) && args.flags.dead === undefined)
        ids = await events.retry({ id: Number(raw) });
      else throw new CliUsageError('events retry needs a delivery id or --dead');
      io.out(ids.length === 0 ? 'nothing to retry' : `queued ${ids.length}: ${ids.join(', ')}`);
      return 0;
    },
  },
];
