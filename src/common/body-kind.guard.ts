import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from './domain-error';
import { BODY_KIND, type BodyKind } from './route-access.decorators';

const ACCEPTED: Record<Exclude<BodyKind, 'raw'>, string> = {
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
};

function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return request.headers['transfer-encoding'] !== undefined;
}

function mediaType(request: Request): string {
  return (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * A body a route would not read is refused, not ignored (DESIGN §9): a refund
 * sent as text/plain must not become "refund everything". JSON routes accept
 * only `application/json` (415 otherwise, before anything is done); the bundled
 * pages' forms declare @AcceptsBody('form'), the webhook @AcceptsBody('raw').
 */
@Injectable()
export class BodyKindGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (!hasBody(request)) return true;
    const kind =
      this.reflector.getAllAndOverride<BodyKind | undefined>(BODY_KIND, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'json';
    if (kind === 'raw') return true;
    const expected = ACCEPTED[kind];
    if (mediaType(request) !== expected) {
      const sent = request.headers['content-type'] ?? 'none';
      throw new DomainError(
        'unsupported_media_type',
        `Content-Type must be ${expected} (got ${sent}); nothing was done`,
      );
    }
    return true;
  }
}
