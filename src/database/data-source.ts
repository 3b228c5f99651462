/**
 * The data source the TypeORM CLI uses (`npm run migration:generate -- migrations/<Name>`).
 * It needs DATABASE_URL (generate diffs the entities against a real database);
 * the app itself builds its data source in DatabaseModule.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { typeOrmOptions } from './typeorm-options';

const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error(
    'DATABASE_URL must point at a PostgreSQL database to generate a migration against (see README, "Changing the schema")',
  );
}

export default new DataSource({
  ...typeOrmOptions(url),
  entities: ENTITIES,
});
