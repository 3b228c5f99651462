import { PaymentController } from '../common/payment-controller.decorator';
import { Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { LivenessResponse, ReadinessResponse } from './health.response';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../common/route-access.decorators';
import { pendingMigrations } from '../database/migrations-runner';
import { EventsService } from '../events/events.service';
import { ReconcileService } from '../reconcile/reconcile.service';

@ApiTags('health')
@Public()
@PaymentController('health')
export class HealthController {
  /** Once every migration is applied it stays so (a revert is an operator's deliberate act). */
  private migrated = false;

  constructor(
    @InjectPaymentDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
    private readonly reconcile: ReconcileService,
  ) {}

  /** Liveness: the process answers. */
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LivenessResponse })
  @ApiErrors(429)
  @Get()
  @HttpCode(HttpStatus.OK)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: the database answers and every migration is applied; 503 otherwise.
   * Once ready, the body also shows the durable event backlog (DESIGN §8):
   * undelivered deliveries, dead ones, and the age of the oldest undelivered event.
   */
  @ApiOperation({ summary: 'Readiness: the database answers and every migration is applied' })
  @ApiOkResponse({ type: ReadinessResponse })
  @ApiResponse({ status: 503, type: ReadinessResponse, description: 'Not ready' })
  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response): Promise<ReadinessResponse> {
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
    return {
      status: 'ok',
      database: 'up',
      events: await this.events.backlog(),
      reconcile: { last_success: await this.reconcile.lastSuccessfulRun() },
    };
  }
}
