/** Moved to the ledger (src/ledger/refund-rows.ts), the one writer of money rows; kept for existing imports. */
export * from '../ledger/refund-rows';
