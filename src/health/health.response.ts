import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'Liveness' })
export class LivenessResponse {
  @ApiProperty({ type: 'string', enum: ['ok'], example: 'ok' })
  status: 'ok';
}

/** GET /health/ready; a field added to the body must be added here (the OpenAPI e2e checks it). */
@ApiSchema({ name: 'Readiness' })
export class ReadinessResponse {
  @ApiProperty({ type: 'string', enum: ['ok', 'unavailable'], example: 'ok' })
  status: string;

  @ApiProperty({ type: 'string', enum: ['up', 'down'], example: 'up' })
  database: string;
}
