import 'reflect-metadata';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express, { json, raw, urlencoded } from 'express';
import { AppModule } from './app.module';
import { createOpenApiDocument } from './common/openapi/openapi-document';
import {
  createHttpLogger,
  createNestLogger,
  createRootLogger,
  type RootLogger,
} from './common/logging';
import { createValidationPipe } from './common/validation.pipe';
import { InputSafetyPipe } from './common/input-safety.pipe';
import type { AppConfig } from './config/app-config';
import { WEBHOOK_ROUTE } from './webhooks/webhooks.controller';

/**
 * Builds the configured HTTP application (not yet listening). Shared by main
 * and the e2e tests so that tests run exactly what users run.
 */
export async function createApp(
  config: AppConfig,
  databaseUrl: string,
  options: { imports?: ModuleMetadata['imports']; logger?: RootLogger } = {},
): Promise<INestApplication> {
  const logger = options.logger ?? createRootLogger(config.logLevel);
  // Routing is exact: /API/… or /transactions/ match nothing (404). Access does not rest on
  // this (the guard denies by default, on the matched route), it is a second wall. The
  // settings must be made before Express builds its router, hence our own instance.
  const server = express();
  server.set('case sensitive routing', true);
  server.set('strict routing', true);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({ config, databaseUrl, imports: options.imports, logger }),
    new ExpressAdapter(server),
    {
      logger: createNestLogger(logger),
      bodyParser: false,
      abortOnError: false,
    },
  );
  // First: every request gets its id and its log line, even one the body parsers refuse.
  app.use(createHttpLogger(logger));
  // The webhook signature covers the exact bytes: that route alone gets them raw.
  // Parsers skip a body that was already read, so JSON parsing never sees it.
  app.use(`/${WEBHOOK_ROUTE}`, raw({ type: () => true, limit: config.bodyLimitBytes }));
  app.use(json({ limit: config.bodyLimitBytes }));
  app.use(urlencoded({ extended: false, limit: config.bodyLimitBytes }));
  app.useGlobalPipes(new InputSafetyPipe(), createValidationPipe());
  app.set('trust proxy', 'loopback');
  app.disable('x-powered-by');

  const document = createOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document);
  return app;
}
