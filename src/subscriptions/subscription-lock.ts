/** Moved to the ledger (src/ledger/subscription-links.ts), shared with checkout; kept for existing imports. */
export { lockProviderSubscription } from '../ledger/subscription-links';
