import { toDisputeResource } from './dispute.resource';
import { DisputeEntity } from './entities/dispute.entity';

function row(overrides: Partial<DisputeEntity>): DisputeEntity {
  return Object.assign(new DisputeEntity(), {
    id: 7,
    createdAt: new Date('2026-01-08T00:00:00Z'),
    updatedAt: new Date('2026-01-09T00:00:00Z'),
    provider: 'stripe',
    providerDisputeId: 'dp_1',
    kind: 'chargeback',
    transactionId: 3,
    providerChargeId: 'ch_1',
    providerPaymentIntentId: 'pi_1',
    status: 'needs_response',
    providerStatus: 'needs_response',
    reason: 'fraudulent',
    amount: 2000,
    currency: 'usd',
    evidenceDueBy: new Date('2026-01-22T00:00:00Z'),
    deadlineWarnedAt: null,
    deadlineFlaggedAt: null,
    actionable: null,
    metadata: {},
    providerUpdatedAt: new Date('2026-01-08T00:00:00Z'),
    ...overrides,
  });
}

describe('toDisputeResource', () => {
  it.each<[string, Partial<DisputeEntity>, Record<string, unknown>]>([
    [
      'a chargeback with its deadline',
      {},
      {
        id: 7,
        kind: 'chargeback',
        status: 'needs_response',
        provider_status: 'needs_response',
        reason: 'fraudulent',
        amount: 2000,
        currency: 'usd',
        evidence_due_by: '2026-01-22T00:00:00.000Z',
        deadline_warned_at: null,
        deadline_flagged_at: null,
        transaction_id: 3,
        provider: 'stripe',
        provider_dispute_id: 'dp_1',
        provider_charge_id: 'ch_1',
        provider_payment_intent_id: 'pi_1',
        actionable: null,
        created_at: '2026-01-08T00:00:00.000Z',
        updated_at: '2026-01-09T00:00:00.000Z',
      },
    ],
    [
      'a fraud warning not linked yet, without amount or deadline',
      {
        kind: 'fraud_warning',
        providerDisputeId: 'issfr_1',
        status: 'warning_issued',
        providerStatus: 'made_with_stolen_card',
        reason: 'made_with_stolen_card',
        transactionId: null,
        amount: null,
        currency: null,
        evidenceDueBy: null,
        actionable: true,
      },
      {
        kind: 'fraud_warning',
        provider_dispute_id: 'issfr_1',
        status: 'warning_issued',
        provider_status: 'made_with_stolen_card',
        transaction_id: null,
        amount: null,
        currency: null,
        evidence_due_by: null,
        actionable: true,
      },
    ],
    [
      'a dispute the deadline job flagged',
      {
        deadlineWarnedAt: new Date('2026-01-19T00:00:00Z'),
        deadlineFlaggedAt: new Date('2026-01-22T00:10:00Z'),
      },
      {
        deadline_warned_at: '2026-01-19T00:00:00.000Z',
        deadline_flagged_at: '2026-01-22T00:10:00.000Z',
      },
    ],
  ])('maps %s', (_name, overrides, expected) => {
    expect(toDisputeResource(row(overrides))).toEqual(expect.objectContaining(expected));
  });

  it('exposes API fields only (no metadata or internal times)', () => {
    expect(Object.keys(toDisputeResource(row({}))).sort()).toEqual(
      [
        'actionable',
        'amount',
        'created_at',
        'currency',
        'deadline_flagged_at',
        'deadline_warned_at',
        'evidence_due_by',
        'id',
        'kind',
        'provider',
        'provider_charge_id',
        'provider_dispute_id',
        'provider_payment_intent_id',
        'provider_status',
        'reason',
        'status',
        'transaction_id',
        'updated_at',
      ].sort(),
    );
  });
});
