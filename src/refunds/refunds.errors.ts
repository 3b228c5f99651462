import { DomainError } from '../common/domain-error';

/** 400: the amount asked for is not positive or is more than remains refundable; says how much remains. */
export class RefundAmountError extends DomainError {
  constructor(message: string, remaining: number, currency: string) {
    super('validation_failed', message, {
      fields: { amount: [message] },
      remaining_amount: remaining,
      currency,
    });
    this.name = 'RefundAmountError';
  }
}
