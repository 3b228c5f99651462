import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse } from '@nestjs/swagger';

const html = { 'text/html': { schema: { type: 'string' } } };

/**
 * A route that answers an HTML page (or a 303 to one) for a browser, not JSON:
 * `responses` maps each status to what it means. Documented so that the
 * document lists every route; clients generated from it leave these alone.
 */
export function ApiHtmlPage(
  summary: string,
  responses: Partial<Record<200 | 303 | 404 | 409 | 410, string>>,
): MethodDecorator {
  return applyDecorators(
    ApiOperation({ summary }),
    ApiProduces('text/html'),
    ...Object.entries(responses).map(([status, description]) =>
      Number(status) === 303
        ? ApiResponse({
            status: 303,
            description,
            headers: {
              Location: { description: 'where the browser goes next', schema: { type: 'string' } },
            },
          })
        : ApiResponse({ status: Number(status), description, content: html }),
    ),
  );
}
