import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DomainError } from './domain-error';

export const PROTECTED_PREFIX = '/api/v1/payment/';
export const WEBHOOK_PATH = '/api/v1/payment/webhook';

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

/**
 * DESIGN §3: when API_KEYS is set, every /api/v1/payment/* route except the
 * webhook needs `Authorization: Bearer <key>`. Keys are compared in constant time.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: Buffer[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keys = config.apiKeys.map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.keys.length === 0 || context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const path = request.path.replace(/\/+$/, '');
    if (!`${path}/`.startsWith(PROTECTED_PREFIX) || path === WEBHOOK_PATH) return true;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      throw new DomainError('unauthorized', 'Missing API key: send Authorization: Bearer <key>');
    const presented = digest(match[1]);
    // Compare against every key so timing does not reveal which one matched.
    const valid = this.keys.reduce((ok, key) => timingSafeEqual(key, presented) || ok, false);
    if (!valid) throw new DomainError('unauthorized', 'Invalid API key');
    return true;
  }
}
