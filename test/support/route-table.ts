import type { INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { PUBLIC_ROUTE } from '../../src/common/route-access.decorators';

export interface RegisteredRoute {
  method: string;
  /** Express path template, e.g. /api/v1/payment/refund/:transactionId */
  path: string;
  /** Declared @Public() on its handler or controller; undefined for routes Nest does not own (docs). */
  isPublic: boolean | undefined;
}

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

const joinPath = (...parts: string[]): string =>
  `/${parts
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment.length > 0)
    .join('/')}`;

/**
 * Every route the running app registered, read from Express's router (so a
 * route added later is covered without editing any test), each tagged with
 * whether its Nest handler is declared public.
 */
export function registeredRoutes(app: INestApplication): RegisteredRoute[] {
  const publicByRoute = new Map<string, boolean>();
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  for (const wrapper of discovery.getControllers()) {
    const type = wrapper.metatype as (new (...args: never[]) => object) | null;
    if (!type || !wrapper.instance) continue;
    const prefixes = [Reflect.getMetadata(PATH_METADATA, type) as string | string[]].flat();
    const classPublic = Reflect.getMetadata(PUBLIC_ROUTE, type) === true;
    for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(wrapper.instance))) {
      const handler = (wrapper.instance as Record<string, unknown>)[name] as object;
      const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (paths === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      const isPublic = classPublic || Reflect.getMetadata(PUBLIC_ROUTE, handler) === true;
      for (const prefix of prefixes)
        for (const path of [paths].flat())
          publicByRoute.set(`${method.toLowerCase()} ${joinPath(prefix ?? '', path)}`, isPublic);
    }
  }

  const router = (app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } })
    .router;
  const routes: RegisteredRoute[] = [];
  for (const layer of router.stack) {
    // Nest mounts middleware (forRoutes) as a wildcard route on every method: not a route of ours.
    if (!layer.route || layer.route.path.includes('*')) continue;
    for (const method of Object.keys(layer.route.methods)) {
      if (method === '_all') continue;
      const path = layer.route.path;
      routes.push({ method, path, isPublic: publicByRoute.get(`${method} ${path}`) });
    }
  }
  return routes;
}
