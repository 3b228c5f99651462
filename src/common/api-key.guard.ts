import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ApiKeys } from './api-keys';
import { PUBLIC_ROUTE, type PublicRoute } from './route-access.decorators';

/**
 * Default deny (DESIGN §8): when API_KEYS is set, every route needs
 * `Authorization: Bearer <key>` unless its handler or controller is marked
 * @Public(). The decision is made on the route Nest matched, never on the
 * request's path, so no spelling of a path (letter case, slashes, encoding,
 * a host's global prefix) can step around it.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: ApiKeys;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    this.keys = new ApiKeys(config.apiKeys);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.keys.enabled || context.getType() !== 'http') return true;
    const declared = publicRouteOf(this.reflector, context);
    if (declared === true || (typeof declared === 'function' && declared(this.config))) return true;
    this.keys.verify(context.switchToHttp().getRequest<Request>().headers.authorization);
    return true;
  }
}

/** What the route declared with @Public() / @PublicWhen(), if anything. */
export function publicRouteOf(
  reflector: Reflector,
  context: ExecutionContext,
): PublicRoute | undefined {
  return reflector.getAllAndOverride<PublicRoute | undefined>(PUBLIC_ROUTE, [
    context.getHandler(),
    context.getClass(),
  ]);
}
