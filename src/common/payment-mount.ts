import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';

/**
 * Where the service's routes are mounted in the running app: the app's global
 * prefix (read when asked: a host sets it after building its app) and
 * PaymentModule's route prefix. For the URLs the service calls itself (the
 * sandbox posting its webhooks to this process).
 */
export class PaymentMount {
  constructor(
    private readonly app: ApplicationConfig | undefined,
    readonly routePrefix: string,
  ) {}

  /** `/api/payments/api/v1/payment/webhook` for route `api/v1/payment/webhook`, global prefix `api`, route prefix `payments`. */
  path(route: string): string {
    const segments = [this.app?.getGlobalPrefix() ?? '', this.routePrefix, route]
      .flatMap((part) => part.split('/'))
      .filter((segment) => segment.length > 0);
    return `/${segments.join('/')}`;
  }
}

@Global()
@Module({})
export class PaymentMountModule {
  static forRoot(routePrefix: string): DynamicModule {
    return {
      module: PaymentMountModule,
      providers: [
        {
          provide: PaymentMount,
          inject: [ApplicationConfig],
          useFactory: (app: ApplicationConfig) => new PaymentMount(app, routePrefix),
        },
      ],
      exports: [PaymentMount],
    };
  }
}
