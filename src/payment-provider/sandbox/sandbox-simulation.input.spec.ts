import { ValidationError } from '../../common/domain-error';
import {
  parseClockAdvance,
  parseCloseDispute,
  parseCreateDispute,
  parseDashboardRefund,
  parseFraudWarning,
  parseUpdateDispute,
} from './sandbox-simulation.input';

const fieldsOf = (run: () => unknown): Record<string, string[]> => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return ((error as ValidationError).details?.fields ?? {}) as Record<string, string[]>;
  }
  throw new Error('expected a ValidationError');
};

describe('simulation inputs', () => {
  it('fills dispute defaults: fraudulent, needs_response, due in 7 days', () => {
    expect(parseCreateDispute({ payment_intent_id: 'pi_sbx_1' })).toEqual({
      paymentIntentId: 'pi_sbx_1',
      chargeId: null,
      reason: 'fraudulent',
      dueInHours: 168,
      status: 'needs_response',
    });
    expect(
      parseCreateDispute({
        charge_id: 'ch_sbx_1',
        due_in_hours: null,
        status: 'warning_needs_response',
        reason: 'general',
      }),
    ).toEqual({
      paymentIntentId: null,
      chargeId: 'ch_sbx_1',
      reason: 'general',
      dueInHours: null,
      status: 'warning_needs_response',
    });
  });

  it.each([
    ['no target', {}, ['payment_intent_id']],
    [
      'both targets',
      { payment_intent_id: 'pi_sbx_1', charge_id: 'ch_sbx_1' },
      ['payment_intent_id'],
    ],
    ['a target of the wrong kind', { payment_intent_id: 'ch_sbx_1' }, ['payment_intent_id']],
    [
      'an unknown reason and status',
      { payment_intent_id: 'pi_sbx_1', reason: 'bored', status: 'won' },
      ['reason', 'status'],
    ],
    ['hours as text', { payment_intent_id: 'pi_sbx_1', due_in_hours: '24' }, ['due_in_hours']],
    ['a misspelt field', { payment_intent_id: 'pi_sbx_1', resaon: 'general' }, ['resaon']],
  ])('refuses a dispute with %s, naming the fields', (_case, body, fields) => {
    expect(Object.keys(fieldsOf(() => parseCreateDispute(body))).sort()).toEqual(fields);
  });

  it('refuses a body that is not a JSON object', () => {
    expect(() => parseCreateDispute('pi_sbx_1')).toThrow('Request body must be a JSON object');
    expect(() => parseCreateDispute([1])).toThrow(ValidationError);
  });

  it('updates a dispute with at least one change', () => {
    expect(parseUpdateDispute({ status: 'under_review' })).toEqual({
      status: 'under_review',
      reason: undefined,
    });
    expect(parseUpdateDispute({ due_in_hours: null })).toMatchObject({ dueInHours: null });
    expect(Object.keys(fieldsOf(() => parseUpdateDispute({})))).toEqual(['status']);
    expect(Object.keys(fieldsOf(() => parseUpdateDispute({ status: 'lost' })))).toEqual(['status']);
  });

  it('closes a dispute as won, lost or warning_closed only', () => {
    expect(parseCloseDispute({ status: 'lost' })).toEqual({ status: 'lost' });
    expect(fieldsOf(() => parseCloseDispute({})).status[0]).toMatch(/is required/);
    expect(fieldsOf(() => parseCloseDispute({ status: 'under_review' })).status[0]).toMatch(
      /must be one of won, lost, warning_closed/,
    );
  });

  it('defaults the fraud type and checks it', () => {
    expect(parseFraudWarning({ charge_id: 'ch_sbx_1' })).toEqual({
      paymentIntentId: null,
      chargeId: 'ch_sbx_1',
      fraudType: 'made_with_stolen_card',
    });
    expect(
      Object.keys(
        fieldsOf(() => parseFraudWarning({ charge_id: 'ch_sbx_1', fraud_type: 'vibes' })),
      ),
    ).toEqual(['fraud_type']);
  });

  it('takes a dashboard refund of all or part', () => {
    expect(parseDashboardRefund({ payment_intent_id: 'pi_sbx_1' })).toEqual({
      paymentIntentId: 'pi_sbx_1',
      chargeId: null,
      amount: undefined,
      reason: null,
    });
    expect(
      parseDashboardRefund({ payment_intent_id: 'pi_sbx_1', amount: 5, reason: 'duplicate' }),
    ).toMatchObject({ amount: 5, reason: 'duplicate' });
    expect(
      Object.keys(
        fieldsOf(() =>
          parseDashboardRefund({ payment_intent_id: 'pi_sbx_1', amount: 0, reason: 'oops' }),
        ),
      ).sort(),
    ).toEqual(['amount', 'reason']);
  });

  it('advances the clock by a positive whole number of seconds', () => {
    expect(parseClockAdvance({ seconds: 86400 })).toEqual({ seconds: 86400 });
    for (const body of [
      {},
      { seconds: 0 },
      { seconds: -1 },
      { seconds: 1.5 },
      { seconds: '60' },
      undefined,
    ]) {
      expect(Object.keys(fieldsOf(() => parseClockAdvance(body)))).toEqual(['seconds']);
    }
  });
});
