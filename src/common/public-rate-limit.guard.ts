import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { publicRouteOf } from './api-key.guard';
import { NO_RATE_LIMIT } from './route-access.decorators';

/**
 * Rate limits the keyless public routes (DESIGN §8): the bundled pages, the
 * public status route, the sandbox's hosted page. Routes behind the API key are
 * the app's own backend calling; the webhook is the provider (@SkipRateLimit).
 * Over the limit: 429 with Retry-After (seconds). One budget per client (its IP).
 */
@Injectable()
export class PublicRateLimitGuard extends ThrottlerGuard {
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return Promise.resolve(true);
    const skip =
      // Always-public routes only: a @PublicWhen route (metrics) is a scraper, not a browser.
      publicRouteOf(this.reflector, context) !== true ||
      this.reflector.getAllAndOverride<boolean | undefined>(NO_RATE_LIMIT, [
        context.getHandler(),
        context.getClass(),
      ]) === true;
    return Promise.resolve(skip);
  }

  /** One budget per client across every public route (the default counts per route). */
  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    name: string,
  ): string {
    return `public-${name}-${tracker}`;
  }
}
