import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PAYMENT_ENTITIES, PaymentModule } from 'payment-service';
import { CreateOrderTable1700000000000 } from './create-order-table.migration';
import { HostErrorsFilter } from './host-errors.filter';
import { Order } from './order.entity';
import { OrdersController } from './orders.controller';
import { OrdersListener } from './orders.listener';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    // The host's own TypeORM root, default connection, own naming, own migrations.
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        type: 'postgres' as const,
        url: config.getOrThrow<string>('DATABASE_URL'),
        // Its own entity plus the payment service's (same connection, `payment_` tables).
        entities: [Order, ...PAYMENT_ENTITIES],
        migrations: [CreateOrderTable1700000000000],
        migrationsRun: true,
        synchronize: false,
      }),
    }),
    TypeOrmModule.forFeature([Order]),
    // The payment service, on the host's data source, under /api/payments.
    PaymentModule.forRootAsync({
      provider: 'sandbox',
      routePrefix: 'payments',
      routes: { home: false, metrics: false },
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        config: {
          PAYMENT_PROVIDER: 'sandbox',
          // Where the service's routes are reachable: global prefix + route prefix.
          PUBLIC_BASE_URL: `${config.getOrThrow<string>('PUBLIC_URL')}/api/payments`,
          API_KEYS: config.get<string>('PAYMENT_API_KEYS'),
          LOG_LEVEL: config.get<string>('LOG_LEVEL') ?? 'info',
          DISPUTE_DEADLINE_CRON: 'off',
        },
      }),
    }),
  ],
  controllers: [OrdersController],
  providers: [OrdersListener, { provide: APP_FILTER, useClass: HostErrorsFilter }],
})
export class AppModule {}
