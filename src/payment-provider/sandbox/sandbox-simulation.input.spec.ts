import type { Type } from '@nestjs/common';
import { ValidationError } from '../../common/domain-error';
import { InputSafetyPipe } from '../../common/input-safety.pipe';
import { createValidationPipe } from '../../common/validation.pipe';
import {
  AdvanceClockDto,
  CloseDisputeDto,
  SimulateDisputeDto,
  SimulateFraudWarningDto,
  SimulateRefundDto,
  UpdateDisputeDto,
} from './dto/simulation.dto';
import {
  toCreateDisputeInput,
  toDashboardRefundInput,
  toFraudWarningInput,
  toUpdateDisputeInput,
} from './sandbox-simulation.input';

/** A body through the app's own global pipes, as a request's would go, then its meaning. */
const through =
  <D, R>(dto: Type<D>, meaning: (body: D) => R) =>
  async (raw: unknown): Promise<R> => {
    const metadata = { type: 'body' as const, metatype: dto, data: '' };
    const safe = new InputSafetyPipe().transform(raw, metadata);
    return meaning((await createValidationPipe().transform(safe, metadata)) as D);
  };
const parseCreateDispute = through(SimulateDisputeDto, toCreateDisputeInput);
const parseUpdateDispute = through(UpdateDisputeDto, toUpdateDisputeInput);
const parseCloseDispute = through(CloseDisputeDto, (body) => ({ status: body.status }));
const parseFraudWarning = through(SimulateFraudWarningDto, toFraudWarningInput);
const parseDashboardRefund = through(SimulateRefundDto, toDashboardRefundInput);
const parseClockAdvance = through(AdvanceClockDto, (body) => ({ seconds: body.seconds }));

const fieldsOf = async (run: () => Promise<unknown>): Promise<Record<string, string[]>> => {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return ((error as ValidationError).details?.fields ?? {}) as Record<string, string[]>;
  }
  throw new Error('expected a ValidationError');
};

describe('simulation inputs', () => {
  it('fills dispute defaults: fraudulent, needs_response, due in 7 days', async () => {
    expect(await parseCreateDispute({ payment_intent_id: 'pi_sbx_1' })).toEqual({
      paymentIntentId: 'pi_sbx_1',
      chargeId: null,
      reason: 'fraudulent',
      dueInHours: 168,
      status: 'needs_response',
    });
    expect(
      await parseCreateDispute({
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
  ])('refuses a dispute with %s, naming the fields', async (_case, body, fields) => {
    expect(Object.keys(await fieldsOf(() => parseCreateDispute(body))).sort()).toEqual(fields);
  });

  it('refuses a body that is not a JSON object', async () => {
    await expect(parseCreateDispute('pi_sbx_1')).rejects.toThrow(ValidationError);
    await expect(parseCreateDispute([1])).rejects.toThrow(ValidationError);
  });

  it('updates a dispute with at least one change', async () => {
    expect(await parseUpdateDispute({ status: 'under_review' })).toEqual({
      status: 'under_review',
      reason: undefined,
    });
    expect(await parseUpdateDispute({ due_in_hours: null })).toMatchObject({ dueInHours: null });
    expect(Object.keys(await fieldsOf(() => parseUpdateDispute({})))).toEqual(['status']);
    expect(Object.keys(await fieldsOf(() => parseUpdateDispute({ status: 'lost' })))).toEqual([
      'status',
    ]);
  });

  it('closes a dispute as won, lost or warning_closed only', async () => {
    expect(await parseCloseDispute({ status: 'lost' })).toEqual({ status: 'lost' });
    expect((await fieldsOf(() => parseCloseDispute({}))).status.join()).toMatch(/is required/);
    expect((await fieldsOf(() => parseCloseDispute({ status: 'under_review' }))).status[0]).toMatch(
      /must be one of won, lost, warning_closed/,
    );
  });

  it('defaults the fraud type and checks it', async () => {
    expect(await parseFraudWarning({ charge_id: 'ch_sbx_1' })).toEqual({
      paymentIntentId: null,
      chargeId: 'ch_sbx_1',
      fraudType: 'made_with_stolen_card',
    });
    expect(
      Object.keys(
        await fieldsOf(() => parseFraudWarning({ charge_id: 'ch_sbx_1', fraud_type: 'vibes' })),
      ),
    ).toEqual(['fraud_type']);
  });

  it('takes a dashboard refund of all or part', async () => {
    expect(await parseDashboardRefund({ payment_intent_id: 'pi_sbx_1' })).toEqual({
      paymentIntentId: 'pi_sbx_1',
      chargeId: null,
      amount: undefined,
      reason: null,
    });
    expect(
      await parseDashboardRefund({ payment_intent_id: 'pi_sbx_1', amount: 5, reason: 'duplicate' }),
    ).toMatchObject({ amount: 5, reason: 'duplicate' });
    expect(
      Object.keys(
        await fieldsOf(() =>
          parseDashboardRefund({ payment_intent_id: 'pi_sbx_1', amount: 0, reason: 'oops' }),
        ),
      ).sort(),
    ).toEqual(['amount', 'reason']);
  });

  it('advances the clock by a positive whole number of seconds', async () => {
    expect(await parseClockAdvance({ seconds: 86400 })).toEqual({ seconds: 86400 });
    for (const body of [
      {},
      { seconds: 0 },
      { seconds: -1 },
      { seconds: 1.5 },
      { seconds: '60' },
      undefined,
    ]) {
      expect(Object.keys(await fieldsOf(() => parseClockAdvance(body)))).toEqual(['seconds']);
    }
  });
});
