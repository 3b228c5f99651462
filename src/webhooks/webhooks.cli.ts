import { Command, Option, SubCommand } from 'nest-commander';
import { AppCommand, ListCommand, oneOf, type ListOptions } from '../cli/cli-command';
import { formatTable } from '../cli/table';
import type { WebhookEventStatus } from './entities/webhook-event.entity';
import { WebhooksService } from './webhooks.service';

const STATUSES: WebhookEventStatus[] = ['received', 'processed', 'failed', 'ignored', 'rejected'];

@SubCommand({
  name: 'replay',
  arguments: '<event-id>',
  description: 'reprocess one stored event (e.g. after fixing a failing listener)',
})
export class WebhooksReplayCommand extends AppCommand {
  async run([eventId]: string[]): Promise<void> {
    const outcome = await (await this.service(WebhooksService)).replay(eventId);
    this.cli.out(`${eventId}: ${outcome}`);
  }
}

@Command({
  name: 'webhooks',
  description: 'list inbox rows, newest first',
  subCommands: [WebhooksReplayCommand],
})
export class WebhooksCommand extends ListCommand {
  @Option({
    flags: '--status <status>',
    description: 'only rows in this status',
    choices: STATUSES,
  })
  parseStatus(value: string): string {
    return oneOf(STATUSES, value);
  }

  async run(_args: string[], options: ListOptions & { status?: WebhookEventStatus }) {
    const rows = await (
      await this.service(WebhooksService)
    ).list({ status: options.status, limit: options.limit });
    if (options.json) {
      return this.cli.json({
        webhook_events: rows.map((r) => ({
          provider: r.provider,
          provider_event_id: r.providerEventId,
          type: r.type,
          status: r.status,
          attempts: r.attempts,
          received_at: r.receivedAt,
          processed_at: r.processedAt,
          last_error: r.lastError,
        })),
      });
    }
    this.cli.out(
      formatTable(rows, [
        { header: 'EVENT ID', value: (r) => r.providerEventId },
        { header: 'TYPE', value: (r) => r.type },
        { header: 'STATUS', value: (r) => r.status },
        { header: 'ATTEMPTS', value: (r) => r.attempts },
        { header: 'RECEIVED', value: (r) => r.receivedAt },
        { header: 'LAST ERROR', value: (r) => r.lastError?.slice(0, 80) },
      ]),
    );
  }
}

/** This feature's `payments` commands (listed in src/cli/commands.ts). */
export const webhookCommands = [WebhooksCommand, WebhooksReplayCommand];
