import type { TransactionEntity } from './entities/transaction.entity';

/** A transaction as the API and the domain events show it (DESIGN §6.0). */
export interface TransactionResource {
  id: number;
  type: TransactionEntity['type'];
  status: TransactionEntity['status'];
  amount: number;
  amount_refunded: number;
  currency: string;
  description: string | null;
  reason: string | null;
  customer_ref: string | null;
  provider: string;
  /** The id of this money movement at the provider: the refund id, else the payment intent, else the invoice. */
  provider_transaction_id: string | null;
  provider_payment_intent_id: string | null;
  provider_charge_id: string | null;
  provider_invoice_id: string | null;
  provider_refund_id: string | null;
  checkout_session_id: string | null;
  subscription_id: number | null;
  parent_transaction_id: number | null;
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string;
}

export function toTransactionResource(row: TransactionEntity): TransactionResource {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    amount: row.amount,
    amount_refunded: row.amountRefunded,
    currency: row.currency,
    description: row.description,
    reason: row.reason,
    customer_ref: row.customerRef,
    provider: row.provider,
    provider_transaction_id:
      row.providerRefundId ??
      row.providerPaymentIntentId ??
      row.providerInvoiceId ??
      row.providerChargeId,
    provider_payment_intent_id: row.providerPaymentIntentId,
    provider_charge_id: row.providerChargeId,
    provider_invoice_id: row.providerInvoiceId,
    provider_refund_id: row.providerRefundId,
    checkout_session_id: row.checkoutSessionId,
    subscription_id: row.subscriptionId,
    parent_transaction_id: row.parentTransactionId,
    metadata: row.metadata,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
