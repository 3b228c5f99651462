import { ListEnvelopeResponse } from '../../common/openapi/list-envelope.response';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import {
  allValues,
  ApiDateTime,
  ApiInteger,
  ApiNullableDateTime,
  ApiNullableInteger,
  ApiNullableString,
  ApiString,
} from '../../common/openapi/api-fields';
import type { DisputeResource } from '../dispute.resource';
import { DISPUTE_STATUSES, type DisputeKind, type DisputeStatus } from '../entities/dispute.entity';

export const DISPUTE_KINDS = allValues<DisputeKind>()('chargeback', 'fraud_warning');

/** A chargeback or early fraud warning as the API answers it (DESIGN §6.0, §6.4). */
@ApiSchema({ name: 'Dispute' })
export class DisputeResponse implements DisputeResource {
  @ApiInteger({ example: 3 })
  id: number;

  @ApiProperty({
    enum: DISPUTE_KINDS,
    enumName: 'DisputeKind',
    example: 'chargeback',
    description: 'chargeback (dp_…, inquiries included) or fraud_warning (issfr_…)',
  })
  kind: DisputeKind;

  @ApiProperty({ enum: DISPUTE_STATUSES, enumName: 'DisputeStatus', example: 'needs_response' })
  status: DisputeStatus;

  @ApiNullableString({
    example: 'needs_response',
    description: "the provider's status, unmapped; for a fraud warning its fraud type",
  })
  provider_status: string | null;

  @ApiNullableString({ example: 'fraudulent' })
  reason: string | null;

  @ApiNullableInteger({ example: 2900, description: 'minor units' })
  amount: number | null;

  @ApiNullableString({ example: 'usd' })
  currency: string | null;

  @ApiNullableDateTime()
  evidence_due_by: string | null;

  @ApiNullableDateTime({ example: null })
  deadline_warned_at: string | null;

  @ApiNullableDateTime({ example: null })
  deadline_flagged_at: string | null;

  @ApiNullableInteger({ example: 42, description: 'our charge id, once known' })
  transaction_id: number | null;

  @ApiString({ example: 'stripe' })
  provider: string;

  @ApiString({ example: 'dp_1Pabc' })
  provider_dispute_id: string;

  @ApiNullableString({ example: 'ch_3Pabc' })
  provider_charge_id: string | null;

  @ApiNullableString({ example: 'pi_3Pabc' })
  provider_payment_intent_id: string | null;

  @ApiProperty({
    type: 'boolean',
    nullable: true,
    example: null,
    description:
      'fraud warnings: whether a refund can still prevent a dispute; null for chargebacks',
  })
  actionable: boolean | null;

  @ApiDateTime()
  created_at: string;

  @ApiDateTime()
  updated_at: string;
}

@ApiSchema({ name: 'DisputeList' })
export class DisputeListResponse extends ListEnvelopeResponse {
  @ApiProperty({ type: [DisputeResponse] })
  disputes: DisputeResponse[];
}
