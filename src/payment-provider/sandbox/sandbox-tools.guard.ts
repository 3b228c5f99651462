import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeys } from '../../common/api-keys';
import { SANDBOX_OPTIONS, type SandboxOptions } from './sandbox.options';

/**
 * The simulation routes fake disputes, fraud warnings and refunds, which app
 * listeners act on (revoke access, refund). When API_KEYS is set they need a
 * key like the API does. The hosted checkout page stays public: it is the buyer's.
 */
@Injectable()
export class SandboxToolsGuard implements CanActivate {
  private readonly keys: ApiKeys;

  constructor(@Inject(SANDBOX_OPTIONS) options: SandboxOptions) {
    this.keys = new ApiKeys(options.apiKeys);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.keys.enabled)
      this.keys.verify(context.switchToHttp().getRequest<Request>().headers.authorization);
    return true;
  }
}
