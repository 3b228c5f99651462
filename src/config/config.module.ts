import { type DynamicModule, Global, Module, type ModuleMetadata } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from './app-config';

/** Makes the validated AppConfig injectable as APP_CONFIG. */
@Global()
@Module({})
export class ConfigModule {
  /** What forRootAsync's factory resolved to: the config and anything else given beside it. */
  static readonly RESOLVED = Symbol('APP_CONFIG_RESOLVED');

  static forRoot(config: AppConfig, extras: Record<string, unknown> = {}): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: ConfigModule.RESOLVED, useValue: { ...extras, config } },
      ],
      exports: [APP_CONFIG, ConfigModule.RESOLVED],
    };
  }

  /** The config from a factory (e.g. a host's ConfigService), resolved once at boot. */
  static forRootAsync<T extends { config: AppConfig }>(options: {
    imports?: ModuleMetadata['imports'];
    inject: unknown[];
    useFactory: (...args: never[]) => Promise<T>;
  }): DynamicModule {
    return {
      module: ConfigModule,
      imports: options.imports ?? [],
      providers: [
        {
          provide: ConfigModule.RESOLVED,
          inject: options.inject as never[],
          useFactory: options.useFactory,
        },
        {
          provide: APP_CONFIG,
          inject: [ConfigModule.RESOLVED],
          useFactory: (resolved: T) => resolved.config,
        },
      ],
      exports: [APP_CONFIG, ConfigModule.RESOLVED],
    };
  }
}
