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
