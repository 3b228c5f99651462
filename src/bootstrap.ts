import 'reflect-metadata';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, raw, urlencoded } from 'express';
import { AppModule } from './app.module';
import {
  createHttpLogger,
  createNestLogger,
  createRootLogger,
  type RootLogger,
} from './common/logging';
import { createValidationPipe } from './common/validation.pipe';
import { WEBHOOK_PATH } from './common/api-key.guard';
import type { AppConfig } from './config/app-config';

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
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({ config, databaseUrl, imports: options.imports, logger }),
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
  app.use(WEBHOOK_PATH, raw({ type: () => true, limit: config.bodyLimitBytes }));
  app.use(json({ limit: config.bodyLimitBytes }));
  app.use(urlencoded({ extended: false, limit: config.bodyLimitBytes }));
  app.useGlobalPipes(createValidationPipe());
  app.set('trust proxy', 'loopback');
  app.disable('x-powered-by');

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Payment service')
      .setDescription(
        'Checkouts, subscriptions, refunds, disputes. See README for the domain events.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}
