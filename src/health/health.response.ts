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
}
