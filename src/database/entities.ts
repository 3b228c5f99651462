import { getMetadataArgsStorage } from 'typeorm';
import { snakeCase } from 'typeorm/util/StringUtils.js';
import { CheckoutSessionEntity } from '../checkout/entities/checkout-session.entity';
import { CustomerEntity } from '../customers/entities/customer.entity';
import { DisputeEntity } from '../disputes/entities/dispute.entity';
import { SubscriptionEntity } from '../subscriptions/entities/subscription.entity';
import { TransactionEntity } from '../transactions/entities/transaction.entity';
import { WebhookEventEntity } from '../webhooks/entities/webhook-event.entity';

/**
 * The schema, as one list — like migrations/index.ts. The entities point at
 * each other (foreign keys), so the data source needs all of them whichever
 * feature modules are loaded.
 */
export const ENTITIES: Function[] = [
  CustomerEntity,
  CheckoutSessionEntity,
  TransactionEntity,
  SubscriptionEntity,
  DisputeEntity,
  WebhookEventEntity,
];

/**
 * Every column of the service's entities gets its snake_case name written into
 * its own decorator options, so the schema maps the same whatever naming
 * strategy the data source has — a host app's data source uses its own (often
 * TypeORM's default, camelCase), and the service's entities must still find
 * `provider_payment_intent_id`. Run once, on import; columns that already name
 * themselves keep their name.
 */
function pinColumnNames(): void {
  const targets = new Set<unknown>(ENTITIES);
  for (const column of getMetadataArgsStorage().columns) {
    const target = column.target as { prototype?: unknown };
    const isOurs =
      targets.has(target) ||
      // Inherited columns (BaseRow) are declared on the abstract class.
      ENTITIES.some((entity) => entity.prototype instanceof (target as never));
    if (!isOurs || column.options.name) continue;
    column.options.name = snakeCase(column.propertyName);
  }
}
pinColumnNames();
