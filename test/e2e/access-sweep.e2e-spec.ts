import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  Module,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import {
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  PIPES_METADATA,
} from '@nestjs/common/constants';
import { APP_INTERCEPTOR, ApplicationConfig, DiscoveryService } from '@nestjs/core';
import { AllExceptionsFilter } from '../../src/common/all-exceptions.filter';
import { ApiKeyGuard } from '../../src/common/api-key.guard';
import { BodyKindGuard } from '../../src/common/body-kind.guard';
import { InputSafetyPipe } from '../../src/common/input-safety.pipe';
import { PAYMENT_CONTROLLER } from '../../src/common/payment-controller.decorator';
import { PublicRateLimitGuard } from '../../src/common/public-rate-limit.guard';
import type * as http from 'node:http';
import type { Observable } from 'rxjs';
import { createTestApp, type TestApp } from '../support/test-app';
import { rawRequest } from '../support/raw-request';
import { registeredRoutes, type RegisteredRoute } from '../support/route-table';

/** Records every request that reached a controller: none may without a key. */
@Injectable()
class ReachedController implements NestInterceptor {
  static readonly reached: string[] = [];

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<http.IncomingMessage>();
    ReachedController.reached.push(
      `${request.method} ${request.url} → ${context.getClass().name}.${context.getHandler().name}`,
    );
    return next.handle();
  }
}

@Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: ReachedController }] })
class ReachedControllerModule {}

/** A concrete path for a template: every parameter becomes a plausible value. */
const concrete = (template: string): string => template.replace(/:[A-Za-z_]+/g, '1');

const flipCase = (segment: string): string =>
  segment === segment.toUpperCase() ? segment.toLowerCase() : segment.toUpperCase();
const capitalise = (segment: string): string => segment.charAt(0).toUpperCase() + segment.slice(1);
const percentFirst = (segment: string): string =>
  segment.length === 0
    ? segment
    : `%${segment.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}${segment.slice(1)}`;

/** Every spelling of one path that a lax router or a prefix check might confuse with it. */
export function pathVariants(path: string): string[] {
  const segments = path.split('/').slice(1);
  const at = (i: number, change: (s: string) => string): string =>
    `/${segments.map((s, j) => (i === j ? change(s) : s)).join('/')}`;
  const variants = new Set<string>([
    path,
    `${path}/`,
    `/${path}`,
    path.replace(/\//g, '//'),
    path.toUpperCase(),
    `${path}/.`,
    `/./${segments.join('/')}`,
  ]);
  segments.forEach((_, i) => {
    variants.add(at(i, flipCase));
    variants.add(at(i, capitalise));
    variants.add(at(i, percentFirst));
    variants.add(at(i, (s) => `${s}/.`));
    variants.add(at(i, (s) => `x/../${s}`));
    variants.add(at(i, (s) => `./${s}`));
    variants.add(at(i, (s) => `${s}/`));
  });
  return [...variants];
}

describe('access is denied by default: no spelling of a protected route gets in without a key', () => {
  let t: TestApp;
  let routes: RegisteredRoute[];

  beforeAll(async () => {
    t = await createTestApp({ API_KEYS: 'k1' }, { imports: [ReachedControllerModule] });
    routes = registeredRoutes(t.app);
  });
  afterAll(() => t.close());
  beforeEach(() => {
    ReachedController.reached.length = 0;
  });

  it('finds the routes to sweep from the app itself, each Nest route marked public or not', () => {
    const protectedRoutes = routes.filter((r) => r.isPublic === false);
    // The whole API, the sandbox tools and the hosted page exist in this (sandbox) app.
    expect(protectedRoutes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'get /api/v1/payment/transactions',
        'post /api/v1/payment/refund/:transactionId',
        'post /api/v1/payment/checkout',
        'post /api/v1/payment/subscriptions/:id/cancel',
        'post /sandbox/simulate/dispute',
        'post /sandbox/clock/advance',
        'post /sandbox/checkout/:id/expire',
      ]),
    );
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(15);
    // What is public is declared where it is defined, and is exactly this list.
    expect(
      routes
        .filter((r) => r.isPublic === true)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual(
      [
        'get /',
        'get /health',
        'get /health/ready',
        'get /payment/cancel',
        'get /payment/status/:sessionId',
        'get /payment/success',
        'get /sandbox/checkout/:id',
        'post /api/v1/payment/webhook',
        'post /demo/checkout',
        'post /sandbox/checkout/:id/decline',
        'post /sandbox/checkout/:id/pay',
      ].sort(),
    );
    // Routes Nest does not own are the OpenAPI document and UI only.
    for (const route of routes.filter((r) => r.isPublic === undefined))
      expect(route.path).toMatch(/^\/docs/);
  });

  it('guards every controller of the service itself, nothing globally (a host app keeps its own rules)', () => {
    const controllers = t.app
      .get(DiscoveryService)
      .getControllers()
      .map((wrapper) => wrapper.metatype as Type)
      .filter((type): type is Type => typeof type === 'function');
    expect(controllers.length).toBeGreaterThanOrEqual(12);
    const unguarded = controllers.filter((type) => {
      const guards = (Reflect.getMetadata(GUARDS_METADATA, type) as unknown[] | undefined) ?? [];
      const filters =
        (Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, type) as unknown[] | undefined) ?? [];
      const pipes = (Reflect.getMetadata(PIPES_METADATA, type) as unknown[] | undefined) ?? [];
      return !(
        Reflect.getMetadata(PAYMENT_CONTROLLER, type) === true &&
        // In this order: the key (401), the body's type (415), the public rate limit (429).
        guards.join() === [ApiKeyGuard, BodyKindGuard, PublicRateLimitGuard].join() &&
        filters.includes(AllExceptionsFilter) &&
        pipes.includes(InputSafetyPipe)
      );
    });
    expect(unguarded.map((type) => type.name)).toEqual([]);
    // No APP_GUARD / APP_FILTER / APP_PIPE of the service: they would apply to a host's routes.
    const config = t.app.get(ApplicationConfig);
    expect(config.getGlobalGuards()).toEqual([]);
    expect(config.getGlobalPipes()).toEqual([]);
    const enhancers = t.app
      .get(DiscoveryService)
      .getProviders()
      .map((wrapper) => String(wrapper.token))
      .filter((token) => /^APP_(GUARD|FILTER|PIPE|INTERCEPTOR)/.test(token));
    // The test's own ReachedController interceptor is the only app-wide enhancer.
    expect(enhancers).toEqual([expect.stringMatching(/^APP_INTERCEPTOR/)]);
  });

  it('answers 401 or 404, and never reaches a controller, for every variant of every protected route', async () => {
    const answers: string[] = [];
    for (const route of routes.filter((r) => r.isPublic === false)) {
      const path = concrete(route.path);
      const methods = [route.method.toUpperCase(), 'OPTIONS'];
      if (route.method === 'get') methods.push('HEAD');
      for (const variant of pathVariants(path)) {
        for (const method of methods) {
          const body = method === 'POST' ? '{"amount":1}' : undefined;
          const { status } = await rawRequest(t.baseUrl, {
            method,
            path: variant,
            body,
            headers: body ? { 'content-type': 'application/json' } : {},
          });
          if (status !== 401 && status !== 404) answers.push(`${method} ${variant} → ${status}`);
        }
      }
    }
    expect(answers).toEqual([]);
    expect(ReachedController.reached).toEqual([]);
  });

  it('still serves a protected route with a key (the sweep is not passing because everything is closed)', async () => {
    await t.http.get('/api/v1/payment/transactions').set('Authorization', 'Bearer k1').expect(200);
    expect(ReachedController.reached).toHaveLength(1);
    await t.http.get('/api/v1/payment/transactions').expect(401);
    await t.http.get('/API/v1/payment/transactions').set('Authorization', 'Bearer k1').expect(404);
  });

  it('keeps the public routes public', async () => {
    await t.http.get('/health').expect(200);
    await t.http.get('/payment/status/cs_unknown').expect(404);
    expect(ReachedController.reached.length).toBe(2);
  });
});
