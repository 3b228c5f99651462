/**
 * The longest app user id (`customer_ref`) we accept: it travels to Stripe as
 * the checkout's `client_reference_id`, whose limit is 200 characters.
 */
export const MAX_CUSTOMER_REF_LENGTH = 200;
