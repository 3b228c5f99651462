import { ValidationPipe, type ValidationError as ClassValidatorError } from '@nestjs/common';
import { ValidationError } from './domain-error';

function collect(
  errors: ClassValidatorError[],
  prefix: string,
  into: Record<string, string[]>,
): void {
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) into[field] = Object.values(error.constraints);
    if (error.children?.length) collect(error.children, field, into);
  }
}

/** Field-level validation errors, in the §9 shape with details.fields. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => {
      const fields: Record<string, string[]> = {};
      collect(errors, '', fields);
      const summary = Object.entries(fields)
        .map(([field, problems]) => `${field}: ${problems.join(', ')}`)
        .join('; ');
      return new ValidationError(`Validation failed: ${summary}`, fields);
    },
  });
}
