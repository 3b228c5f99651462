import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'Liveness' })
export class LivenessResponse {
  @ApiProperty({ type: 'string', enum: ['ok'], example: 'ok' })
  status: 'ok';
}

@ApiSchema({ name: 'PendingMigrations' })
export class PendingMigrationsResponse {
  @ApiProperty({ type: [String], example: ['1795755171368-InitialSchema'] })
  pending: string[];

  @ApiProperty({
    example: '1 migration(s) pending: run `payments migrate` (or start with MIGRATIONS_RUN=true)',
  })
  message: string;
}

@ApiSchema({ name: 'EventBacklog' })
export class EventBacklogResponse {
  @ApiProperty({
    description: 'deliveries not yet made (pending, or failed and waiting for a retry)',
    example: 0,
  })
  undelivered: number;

  @ApiProperty({ description: 'deliveries parked dead after their last attempt', example: 0 })
  dead: number;

  @ApiProperty({
    type: 'number',
    nullable: true,
    description: 'age of the oldest undelivered event; null when none',
    example: null,
  })
  oldest_undelivered_age_seconds: number | null;
}

@ApiSchema({ name: 'LastReconcileRun' })
export class LastReconcileRunResponse {
  @ApiProperty({ type: 'integer', example: 12 })
  id: number;

  @ApiProperty({ type: 'string', format: 'date-time' })
  finished_at: string;

  @ApiProperty({ type: 'string', format: 'date-time', description: 'events listed from this time' })
  since: string;

  @ApiProperty({ type: 'integer', example: 40, description: 'events the provider listed' })
  listed: number;

  @ApiProperty({ type: 'integer', example: 0, description: 'missed events this run applied' })
  applied: number;

  @ApiProperty({ type: 'integer', example: 0, description: 'events that failed to apply' })
  failed: number;
}

@ApiSchema({ name: 'ReconcileStatus' })
export class ReconcileStatusResponse {
  @ApiProperty({
    type: LastReconcileRunResponse,
    nullable: true,
    description: 'the last successful reconciliation run; null before the first',
  })
  last_success: LastReconcileRunResponse | null;
}

/** GET /health/ready; a field added to the body must be added here (the OpenAPI e2e checks it). */
@ApiSchema({ name: 'Readiness' })
export class ReadinessResponse {
  @ApiProperty({ type: 'string', enum: ['ok', 'unavailable'], example: 'ok' })
  status: string;

  @ApiProperty({ type: 'string', enum: ['up', 'down'], example: 'up' })
  database: string;

  @ApiProperty({
    type: PendingMigrationsResponse,
    required: false,
    description:
      'only while migrations are pending (MIGRATIONS_RUN=false on a database behind the code)',
  })
  migrations?: PendingMigrationsResponse;

  @ApiProperty({
    type: EventBacklogResponse,
    required: false,
    description: 'when ready: the durable event backlog',
  })
  events?: EventBacklogResponse;

  @ApiProperty({
    type: ReconcileStatusResponse,
    required: false,
    description:
      'when ready: reconciliation of missed webhooks (RECONCILE_CRON, `payments reconcile`)',
  })
  reconcile?: ReconcileStatusResponse;
}
