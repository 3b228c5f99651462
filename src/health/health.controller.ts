import { Controller, Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { pendingMigrations } from '../database/migrations-runner';

export interface ReadinessBody {
  status: string;
  database: string;
  /** only while migrations are pending (MIGRATIONS_RUN=false on a database behind the code) */
  migrations?: { pending: string[]; message: string };
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  /** Once every migration is applied it stays so (a revert is an operator's deliberate act). */
  private migrated = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Liveness: the process answers. */
  @Get()
  @HttpCode(HttpStatus.OK)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the database answers and every migration is applied. 503 otherwise. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response): Promise<ReadinessBody> {
    let pending: string[] = [];
    try {
      await this.dataSource.query('SELECT 1');
      if (!this.migrated) pending = await pendingMigrations(this.dataSource);
    } catch {
      response.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'unavailable', database: 'down' };
    }
    if (pending.length > 0) {
      response.status(HttpStatus.SERVICE_UNAVAILABLE);
      return {
        status: 'unavailable',
        database: 'up',
        migrations: {
          pending,
          message: `${pending.length} migration(s) pending: run \`payments migrate\` (or start with MIGRATIONS_RUN=true)`,
        },
      };
    }
    this.migrated = true;
    return { status: 'ok', database: 'up' };
  }
}
