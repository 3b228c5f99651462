import { PaymentController } from '../common/payment-controller.decorator';
import { Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyProtected } from '../common/openapi/api-errors.decorator';
import { ApiIdParam } from '../common/openapi/api-fields';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { SubscriptionListResponse, SubscriptionResponse } from './dto/subscription.response';
import { listPageFields, listRequestOf, type ListPageFields } from '../common/list-query';
import { ListSubscriptionsQuery } from './dto/list-subscriptions.query';
import {
  SubscriptionCancellationService,
  type SubscriptionChangeResult,
} from './subscription-cancellation.service';
import { toSubscriptionResource, type SubscriptionResource } from './subscription.resource';
import { SubscriptionsService } from './subscriptions.service';

const CHANGE_OUTCOMES =
  '200: the provider made the change. 503: the provider was not reached (or rate limited) and nothing changed — a retry is safe. 202: the outcome at the provider is unknown — do not retry; it will be settled by the service.';

const PENDING_DESCRIPTION =
  'The subscription with pending_change set: the payment provider did not say whether it made the change (timeout, connection broken after sending). Do not retry; it will be settled by the service within minutes (the same request meanwhile answers this same 202 without calling the provider). Watch payment.subscription.updated or GET the subscription until pending_change is null.';

@ApiTags('subscriptions')
@ApiKeyProtected()
@PaymentController('api/v1/payment/subscriptions')
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly cancellation: SubscriptionCancellationService,
  ) {}

  /** Newest first; filters: status, customer_ref; cursors or pages (DESIGN §6.0). */
  @ApiOperation({ summary: 'Subscriptions, newest first: by cursor or by page' })
  @ApiOkResponse({ type: SubscriptionListResponse })
  @ApiErrors(400)
  @Get()
  async list(
    @Query() query: ListSubscriptionsQuery,
  ): Promise<{ subscriptions: SubscriptionResource[] } & ListPageFields> {
    const request = listRequestOf(query);
    const result = await this.subscriptions.listPage(
      { status: query.status, customerRef: query.customer_ref },
      request,
    );
    return {
      subscriptions: result.rows.map(toSubscriptionResource),
      ...listPageFields(request, result),
    };
  }

  @ApiOperation({ summary: 'One subscription by our id' })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiErrors(400, 404)
  @ApiIdParam('id')
  @Get(':id')
  async get(@Param('id', ParseIdPipe) id: number): Promise<SubscriptionResource> {
    return toSubscriptionResource(await this.subscriptions.get(id));
  }

  /** Cancels at the end of the current period (current_period_end); 409 once the subscription has ended. */
  @ApiOperation({
    summary: 'Cancel at the end of the current period',
    description: `${CHANGE_OUTCOMES} 409: the subscription has ended, or a resume is still pending.`,
  })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiAcceptedResponse({ type: SubscriptionResponse, description: PENDING_DESCRIPTION })
  @ApiErrors(400, 404, 409, 502, 503)
  @ApiIdParam('id')
  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(
    @Param('id', ParseIdPipe) id: number,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SubscriptionResource> {
    return answer(await this.cancellation.cancelAtPeriodEnd(id), response);
  }

  /** Undoes a scheduled cancellation; 409 once the subscription has ended. */
  @ApiOperation({
    summary: 'Undo a scheduled cancellation',
    description: `${CHANGE_OUTCOMES} 409: the subscription has ended, or a cancellation is still pending.`,
  })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiAcceptedResponse({ type: SubscriptionResponse, description: PENDING_DESCRIPTION })
  @ApiErrors(400, 404, 409, 502, 503)
  @ApiIdParam('id')
  @Post(':id/resume')
  @HttpCode(200)
  async resume(
    @Param('id', ParseIdPipe) id: number,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SubscriptionResource> {
    return answer(await this.cancellation.resume(id), response);
  }
}

/** 202 while the provider's outcome is unknown (DESIGN §9). */
function answer(result: SubscriptionChangeResult, response: Response): SubscriptionResource {
  if (result.pending) response.status(202);
  return toSubscriptionResource(result.subscription);
}
