import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ENTITIES } from './entities';
import { typeOrmOptions } from './typeorm-options';

/**
 * TypeORM on the PostgreSQL at `url` (the embedded server or DATABASE_URL;
 * main/cli resolve which before the app is built). Migrations run at start
 * unless MIGRATIONS_RUN=false.
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: { url: string; migrationsRun: boolean }): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...typeOrmOptions(options.url),
          entities: ENTITIES,
          migrationsRun: options.migrationsRun,
          retryAttempts: 3,
          retryDelay: 1000,
        }),
      ],
    };
  }
}
