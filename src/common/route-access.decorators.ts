import { applyDecorators, SetMetadata } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';

/** Metadata key of @Public(): the route answers without an API key. */
export const PUBLIC_ROUTE = 'payment:public-route';

/** Metadata key of @AcceptsBody(): which request bodies a route reads. */
export const BODY_KIND = 'payment:body-kind';

/** What a route reads from the request body. JSON routes are the default. */
export type BodyKind = 'json' | 'form' | 'raw';

/** Metadata key of @SkipRateLimit() (the webhook: the provider's deliveries are never throttled). */
export const NO_RATE_LIMIT = 'payment:no-rate-limit';

/**
 * Access is denied by default: when API_KEYS is set, every route needs a key
 * unless it is declared public here, where it is defined. Public routes are the
 * ones a buyer's browser, the provider or a probe calls (pages, public status,
 * webhook, health, docs). Keyless public routes are rate limited (see RateLimitGuard)
 * unless they also carry @SkipRateLimit().
 */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(PUBLIC_ROUTE, true);

/**
 * Public only when the configuration says so (e.g. /metrics with METRICS_PUBLIC=true);
 * otherwise behind the key like any route. Never rate limited (a scraper).
 */
export const PublicWhen = (
  condition: (config: AppConfig) => boolean,
): ClassDecorator & MethodDecorator => SetMetadata(PUBLIC_ROUTE, condition);

/** What @Public() / @PublicWhen() store. */
export type PublicRoute = true | ((config: AppConfig) => boolean);

/**
 * A route whose body is not JSON: `form` for the bundled pages' HTML forms,
 * `raw` for the webhook (the signature covers the exact bytes).
 * Any other route with a body must send `Content-Type: application/json` (415 otherwise).
 */
export const AcceptsBody = (kind: BodyKind): ClassDecorator & MethodDecorator =>
  SetMetadata(BODY_KIND, kind);

/** A public route that is never throttled (the provider's webhook deliveries). */
export const SkipRateLimit = (): ClassDecorator & MethodDecorator =>
  SetMetadata(NO_RATE_LIMIT, true);

/** The webhook: public (the signature is its credential), raw body, never throttled. */
export const WebhookRoute = (): ClassDecorator & MethodDecorator =>
  applyDecorators(Public(), AcceptsBody('raw'), SkipRateLimit());
