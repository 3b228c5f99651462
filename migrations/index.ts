import { InitialSchema1795755171368 } from './1795755171368-InitialSchema';
import { AddTransactionRequestFingerprint1795760117698 } from './1795760117698-AddTransactionRequestFingerprint';
import { IndexOrphanLinks1795760387564 } from './1795760387564-IndexOrphanLinks';
import { EventOutbox1795790000000 } from './1795790000000-EventOutbox';
import { ListIndexes1795977779566 } from './1795977779566-ListIndexes';
import { WebhookRejectedAndRawBody1795980774484 } from './1795980774484-WebhookRejectedAndRawBody';
import { Reconciliation1796000000000 } from './1796000000000-Reconciliation';
import { PendingProviderOperations1796100000000 } from './1796100000000-PendingProviderOperations';
import { IndexOrphanRefundsByCharge1796200000000 } from './1796200000000-IndexOrphanRefundsByCharge';

/**
 * Every migration, in order. A new migration file must be added here too
 * (migrations.spec.ts fails when one is missing).
 */
export const MIGRATIONS: Function[] = [
  InitialSchema1795755171368,
  AddTransactionRequestFingerprint1795760117698,
  IndexOrphanLinks1795760387564,
  EventOutbox1795790000000,
  ListIndexes1795977779566,
  WebhookRejectedAndRawBody1795980774484,
  Reconciliation1796000000000,
  PendingProviderOperations1796100000000,
  IndexOrphanRefundsByCharge1796200000000,
];
