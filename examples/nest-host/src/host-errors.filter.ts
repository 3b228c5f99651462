import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { Response } from 'express';

/**
 * The host's own error format, for its own routes. The payment service's
 * routes keep theirs (DESIGN §9): its controllers declare their own filter.
 */
@Catch(HttpException)
export class HostErrorsFilter implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    response.status(exception.getStatus()).json({
      ok: false,
      problem: { status: exception.getStatus(), reason: exception.message },
    });
  }
}
