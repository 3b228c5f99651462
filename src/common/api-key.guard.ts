import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ApiKeys } from './api-keys';

export const PROTECTED_PREFIX = '/api/v1/payment/';
export const WEBHOOK_PATH = '/api/v1/payment/webhook';

/**
 * DESIGN §3: when API_KEYS is set, every /api/v1/payment/* route except the
 * webhook needs `Authorization: Bearer <key>`.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: ApiKeys;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keys = new ApiKeys(config.apiKeys);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.keys.enabled || context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const path = request.path.replace(/\/+$/, '');
    if (!`${path}/`.startsWith(PROTECTED_PREFIX) || path === WEBHOOK_PATH) return true;
    this.keys.verify(request.headers.authorization);
    return true;
  }
}
