import 'reflect-metadata';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express, { raw, type NextFunction, type Request, type Response } from 'express';
import { AppModule, type AppModuleOptions } from './app.module';
import { createOpenApiDocument } from './common/openapi/openapi-document';
import {
  createHttpLogger,
  createNestLogger,
  createRequestContext,
  createRootLogger,
  type RootLogger,
} from './common/logging';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import type { AppConfig } from './config/app-config';
import { mountWebhookRoute } from './webhooks/webhook-lean-route';
import { WEBHOOK_ROUTE } from './webhooks/webhooks.controller';

/**
 * Builds the configured HTTP application (not yet listening). Shared by main
 * and the e2e tests so that tests run exactly what users run.
 */
export async function createApp(
  config: AppConfig,
  databaseUrl: string,
  options: {
    imports?: ModuleMetadata['imports'];
    logger?: RootLogger;
    routes?: AppModuleOptions['routes'];
  } = {},
): Promise<INestApplication> {
  const logger = options.logger ?? createRootLogger(config.logLevel);
  // Routing is exact: /API/… or /transactions/ match nothing (404). Access does not rest on
  // this (the guard denies by default, on the matched route), it is a second wall. The
  // settings must be made before Express builds its router, hence our own instance.
  const server = express();
  server.set('case sensitive routing', true);
  server.set('strict routing', true);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({
      config,
      databaseUrl,
      imports: options.imports,
      logger,
      routes: options.routes,
    }),
    new ExpressAdapter(server),
    {
      logger: createNestLogger(logger),
      // The parsers are mounted below, after the request logger; rawBody keeps the bytes.
      bodyParser: false,
      rawBody: true,
      abortOnError: false,
    },
  );
  // First: every request gets its id and its log line, even one the body parsers refuse.
  const httpLogger = createHttpLogger(logger);
  app.use(httpLogger);
  // The provider's deliveries take a lean route ahead of Nest's router (mountWebhookRoute
  // says what it skips and what it keeps); the signature covers the exact bytes it reads.
  // Not when the app brings modules of its own: their middleware (an IP allow-list, a
  // gate) must see the webhook, so it stays a Nest route there, raw body from rawBody.
  const ownModules = (options.imports ?? []).length > 0;
  if (options.routes?.webhook !== false && !ownModules) {
    mountWebhookRoute(app.getHttpServer(), app, {
      bodyLimitBytes: config.bodyLimitBytes,
      logger,
      httpLogger,
      inRequestContext: createRequestContext(logger),
    });
  }
  // Nest's route (the lean route's fallback, and the route itself in a host app): the exact
  // bytes, whatever the content type, as req.rawBody — where the controller reads them
  // (Nest's `rawBody: true`).
  app.use(
    `/${WEBHOOK_ROUTE}`,
    raw({ type: () => true, limit: config.bodyLimitBytes }),
    keepRawBody,
  );
  app.useBodyParser('json', { limit: config.bodyLimitBytes });
  app.useBodyParser('urlencoded', { extended: false, limit: config.bodyLimitBytes });
  // The service's controllers map their own errors (@PaymentController); this one answers
  // what reaches no controller here (404s, bodies the parsers refuse) in the same shape.
  app.useGlobalFilters(new AllExceptionsFilter());
  app.set('trust proxy', 'loopback');
  app.disable('x-powered-by');

  const document = createOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document);
  return app;
}

/** What raw() read, where Nest's `rawBody: true` puts it (req.rawBody). */
function keepRawBody(request: Request, _response: Response, next: NextFunction): void {
  const body: unknown = request.body;
  if (Buffer.isBuffer(body)) (request as Request & { rawBody?: Buffer }).rawBody = body;
  next();
}
