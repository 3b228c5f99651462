/**
 * Keys we put in the provider refund's metadata. `refund_ref` (our refund row
 * id) lets a webhook that arrives before we recorded the provider's answer
 * attach the refund id to our pending row instead of making a second row;
 * `reason_text` carries a free-text reason the provider would refuse as `reason`.
 */
export const REFUND_ROW_METADATA_KEY = 'refund_ref';
export const REFUND_REASON_METADATA_KEY = 'reason_text';

/** A free-text reason travels as a metadata value, which the provider caps at 500 characters. */
export const MAX_REASON_LENGTH = 500;
