import { Command, Option, SubCommand } from 'nest-commander';
import { AppCommand, ListCommand, oneOf, type ListOptions } from '../cli/cli-command';
import { formatTable } from '../cli/table';
import { DELIVERY_STATUSES, EventsService, type DeliveryStatus } from './events.service';

@SubCommand({
  name: 'retry',
  arguments: '[delivery-id]',
  description: 'deliver again one delivery, or every dead one with --dead (attempts start over)',
})
export class EventsRetryCommand extends AppCommand {
  @Option({ flags: '--dead', description: 'every delivery parked dead' })
  parseDead(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'print the queued delivery ids as JSON' })
  parseJson(): boolean {
    return true;
  }

  async run([raw]: string[], options: { dead?: boolean; json?: boolean }): Promise<void> {
    let target: { id: number } | { dead: true };
    if (options.dead && raw === undefined) target = { dead: true };
    else if (!options.dead && raw !== undefined && /^\d+$/.test(raw)) target = { id: Number(raw) };
    else return this.usageError('events retry needs a delivery id or --dead');
    const ids = await (await this.service(EventsService)).retry(target);
    if (options.json) return this.cli.json({ queued: ids });
    this.cli.out(ids.length === 0 ? 'nothing to retry' : `queued ${ids.length}: ${ids.join(', ')}`);
  }
}

@Command({
  name: 'events',
  description: 'list durable event deliveries (one per event and listener), newest first',
  subCommands: [EventsRetryCommand],
})
export class EventsCommand extends ListCommand {
  @Option({
    flags: '--status <status>',
    description: 'only deliveries in this status',
    choices: [...DELIVERY_STATUSES],
  })
  parseStatus(value: string): DeliveryStatus {
    return oneOf(DELIVERY_STATUSES, value);
  }

  @Option({ flags: '--listener <name>', description: 'only this listener (Class.method)' })
  parseListener(value: string): string {
    return value;
  }

  async run(
    _args: string[],
    options: ListOptions & { status?: DeliveryStatus; listener?: string },
  ): Promise<void> {
    const rows = await (
      await this.service(EventsService)
    ).list({ status: options.status, listener: options.listener, limit: options.limit });
    if (options.json) return this.cli.json({ deliveries: rows });
    this.cli.out(
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
  }
}

/** This feature's `payments` commands (listed in src/cli/commands.ts). */
export const eventCommands = [EventsCommand, EventsRetryCommand];
