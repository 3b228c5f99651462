import { type DynamicModule, Inject, Module, type Provider } from '@nestjs/common';
import type { DataSource, ObjectLiteral, Repository } from 'typeorm';
import { ENTITIES } from './entities';

/**
 * The one data source every part of the service uses (features, job engine, health, CLI,
 * tests): PaymentModule binds it to the host's default or named TypeORM data source, or to
 * the service's own pool ({ url }). A symbol of the service's own, so it never shadows a
 * host's provider.
 */
export const PAYMENT_DATA_SOURCE = Symbol('PAYMENT_DATA_SOURCE');

const repositoryTokens = new Map<Function, symbol>();

/** The token of the repository of one of the service's entities, on PAYMENT_DATA_SOURCE. */
export function paymentRepositoryToken(entity: Function): symbol {
  let token = repositoryTokens.get(entity);
  if (!token) {
    token = Symbol(`PaymentRepository<${entity.name}>`);
    repositoryTokens.set(entity, token);
  }
  return token;
}

/** Injects PAYMENT_DATA_SOURCE (instead of TypeORM's @InjectPaymentDataSource(), which is the host's default). */
export const InjectPaymentDataSource = (): ParameterDecorator & PropertyDecorator =>
  Inject(PAYMENT_DATA_SOURCE);

/** Injects the repository of one of the service's entities on PAYMENT_DATA_SOURCE. */
export const InjectPaymentRepository = (entity: Function): ParameterDecorator & PropertyDecorator =>
  Inject(paymentRepositoryToken(entity));

export type PaymentRepository<T extends ObjectLiteral> = Repository<T>;

/**
 * PAYMENT_DATA_SOURCE and a repository per entity, for every module of the service. Global
 * only within the service's own tokens (symbols private to it): nothing a host provides can
 * be shadowed. `dataSource` is the provider that resolves to the data source, already
 * migrated/checked.
 */
@Module({})
export class PaymentDataSourceModule {
  static forRoot(dataSource: Omit<Provider & { provide: unknown }, 'provide'>): DynamicModule {
    const repositories: Provider[] = ENTITIES.map((entity) => ({
      provide: paymentRepositoryToken(entity),
      inject: [PAYMENT_DATA_SOURCE],
      useFactory: (source: DataSource) => source.getRepository(entity),
    }));
    return {
      module: PaymentDataSourceModule,
      global: true,
      providers: [{ ...dataSource, provide: PAYMENT_DATA_SOURCE } as Provider, ...repositories],
      exports: [
        PAYMENT_DATA_SOURCE,
        ...repositories.map((p) => (p as { provide: symbol }).provide),
      ],
    };
  }
}
