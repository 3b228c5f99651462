import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { ErrorBody } from '../error-body';

/** The one error shape of DESIGN §9, as the OpenAPI document shows it (schema `ErrorBody`). */
@ApiSchema({ name: 'ErrorBody', description: 'Every error answers this shape (DESIGN §9).' })
export class ErrorBodyDto implements ErrorBody {
  @ApiProperty({ type: 'integer', example: 400, description: 'The HTTP status, repeated' })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request', description: "The status's reason phrase" })
  error: string;

  @ApiProperty({
    example: 'Validation failed: price_id: price_id must be a string',
    description: 'One human-readable sentence; never a stack trace',
  })
  message: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { fields: { price_id: ['price_id must be a string'] } },
    description:
      'Validation errors: `fields` (field name → its problems); unexpected errors: `error_id` (also in the log)',
  })
  details?: Record<string, unknown>;
}
