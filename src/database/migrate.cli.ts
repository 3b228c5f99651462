import { Command, Option } from 'nest-commander';
import { DataSource } from 'typeorm';
import { AppCommand } from '../cli/cli-command';
import { openMigrator } from './host-schema';
import { runMigrationsLocked } from './migrations-runner';
import { typeOrmOptions } from './typeorm-options';

/** Runs on a bare DataSource: migrating must not need the app (whose entities expect the schema). */
@Command({
  name: 'migrate',
  description: 'apply pending migrations (--revert undoes the last one)',
})
export class MigrateCommand extends AppCommand {
  @Option({ flags: '--revert', description: 'undo the last applied migration' })
  parseRevert(): boolean {
    return true;
  }

  async run(_args: string[], options: { revert?: boolean }): Promise<void> {
    // Inside a host app: its data source's database (default or named), the service's migrations only.
    const appDataSource = this.cli.appDataSource();
    const dataSource = appDataSource
      ? await openMigrator(appDataSource)
      : await new DataSource(typeOrmOptions(await this.cli.databaseUrl())).initialize();
    try {
      if (options.revert) {
        await dataSource.undoLastMigration({ transaction: 'each' });
        this.cli.out('reverted the last migration');
      } else {
        // Under the same advisory lock as a starting service: instances starting meanwhile wait.
        const applied = await runMigrationsLocked(dataSource);
        this.cli.out(
          applied.length === 0
            ? 'database is up to date'
            : applied.map((m) => `applied ${m.name}`).join('\n'),
        );
      }
    } finally {
      await dataSource.destroy();
    }
  }
}

export const databaseCommands = [MigrateCommand];
