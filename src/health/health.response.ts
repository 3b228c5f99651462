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
}
