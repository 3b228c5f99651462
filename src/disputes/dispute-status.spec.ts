import type { DisputeStatus } from './entities/dispute.entity';
import {
  UnknownDisputeStatusError,
  mapDisputeStatus,
  shouldApplyChange,
  type IncomingDisputeState,
  type StoredDisputeState,
} from './dispute-status';

describe('mapDisputeStatus (DESIGN §6.4)', () => {
  it.each<[string, DisputeStatus]>([
    ['warning_needs_response', 'warning_issued'],
    ['warning_under_review', 'warning_issued'],
    ['warning_closed', 'warning_closed'],
    ['needs_response', 'needs_response'],
    ['under_review', 'under_review'],
    ['won', 'won'],
    ['lost', 'lost'],
    ['charge_refunded', 'charge_refunded'],
    ['prevented', 'prevented'],
    ['appeal_needs_response', 'needs_response'],
    ['appeal_under_review', 'under_review'],
  ])('maps the provider status %s to %s', (providerStatus, expected) => {
    expect(mapDisputeStatus(providerStatus)).toBe(expected);
  });

  it.each(['', 'NEEDS_RESPONSE', 'open', 'constructor', 'toString'])(
    'refuses the unknown status %j rather than guess',
    (providerStatus) => {
      expect(() => mapDisputeStatus(providerStatus)).toThrow(UnknownDisputeStatusError);
    },
  );
});

describe('shouldApplyChange: the ordering rule for disputes', () => {
  const t0 = new Date('2026-01-10T12:00:00Z');
  const earlier = new Date(t0.getTime() - 1000);
  const later = new Date(t0.getTime() + 1000);
  const stored = (
    providerStatus: string | null,
    providerUpdatedAt: Date | null = t0,
    actionable: boolean | null = null,
  ): StoredDisputeState => ({
    providerStatus,
    providerUpdatedAt,
    actionable,
  });
  const dispute = (providerStatus: string): IncomingDisputeState => ({
    kind: 'chargeback',
    providerStatus,
  });
  const warning = (actionable: boolean): IncomingDisputeState => ({
    kind: 'fraud_warning',
    actionable,
  });

  it.each<[string, StoredDisputeState, IncomingDisputeState, Date, boolean]>([
    [
      'a row never dated takes any event',
      stored('needs_response', null),
      dispute('under_review'),
      earlier,
      true,
    ],
    ['a newer event applies', stored('needs_response'), dispute('under_review'), later, true],
    [
      'an older event is skipped',
      stored('under_review'),
      dispute('needs_response'),
      earlier,
      false,
    ],
    [
      'an older event is skipped even when it moves forward',
      stored('needs_response'),
      dispute('won'),
      earlier,
      false,
    ],
    [
      'a replay of the same event applies again',
      stored('under_review'),
      dispute('under_review'),
      t0,
      true,
    ],
    ['same second: forward applies', stored('needs_response'), dispute('under_review'), t0, true],
    [
      'same second: backward is skipped',
      stored('under_review'),
      dispute('needs_response'),
      t0,
      false,
    ],
    [
      'same second: a late updated never reopens won',
      stored('won'),
      dispute('under_review'),
      t0,
      false,
    ],
    [
      'same second: a late updated never reopens lost',
      stored('lost'),
      dispute('needs_response'),
      t0,
      false,
    ],
    [
      'same second: a late updated never reopens warning_closed',
      stored('warning_closed'),
      dispute('warning_under_review'),
      t0,
      false,
    ],
    [
      'same second: a late updated never reopens charge_refunded',
      stored('charge_refunded'),
      dispute('under_review'),
      t0,
      false,
    ],
    [
      'same second: a late updated never reopens prevented',
      stored('prevented'),
      dispute('needs_response'),
      t0,
      false,
    ],
    ['same second: an outcome replaces another outcome', stored('won'), dispute('lost'), t0, true],
    [
      'same second: an inquiry escalated to a chargeback applies',
      stored('warning_under_review'),
      dispute('needs_response'),
      t0,
      true,
    ],
    [
      'same second: an inquiry under review follows one awaiting a response',
      stored('warning_needs_response'),
      dispute('warning_under_review'),
      t0,
      true,
    ],
    [
      'a newer event is the provider truth, even after an outcome',
      stored('lost'),
      dispute('appeal_needs_response'),
      later,
      true,
    ],
    [
      'warning: a newer update applies',
      stored('made_with_stolen_card', t0, true),
      warning(false),
      later,
      true,
    ],
    [
      'warning: same second, becoming non-actionable applies',
      stored('made_with_stolen_card', t0, true),
      warning(false),
      t0,
      true,
    ],
    [
      'warning: same second, never actionable again',
      stored('made_with_stolen_card', t0, false),
      warning(true),
      t0,
      false,
    ],
    [
      'warning: a replay applies again',
      stored('made_with_stolen_card', t0, true),
      warning(true),
      t0,
      true,
    ],
    [
      'warning: an older update is skipped',
      stored('made_with_stolen_card', t0, false),
      warning(true),
      earlier,
      false,
    ],
  ])('%s', (_name, current, incoming, occurredAt, expected) => {
    expect(shouldApplyChange(current, incoming, occurredAt)).toBe(expected);
  });
});
