import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { DomainError } from '../../common/domain-error';
import { SANDBOX_OPTIONS, type SandboxOptions } from './sandbox.options';

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

/**
 * The simulation routes fake disputes, fraud warnings and refunds, which app
 * listeners act on (revoke access, refund). When API_KEYS is set they need a
 * key like the API does. The hosted checkout page stays public: it is the buyer's.
 */
@Injectable()
export class SandboxToolsGuard implements CanActivate {
  private readonly keys: Buffer[];

  constructor(@Inject(SANDBOX_OPTIONS) options: SandboxOptions) {
    this.keys = options.apiKeys.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.keys.length === 0) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      throw new DomainError('unauthorized', 'Missing API key: send Authorization: Bearer <key>');
    const presented = digest(match[1]);
    const valid = this.keys.reduce((ok, key) => timingSafeEqual(key, presented) || ok, false);
    if (!valid) throw new DomainError('unauthorized', 'Invalid API key');
    return true;
  }
}
