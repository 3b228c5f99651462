import { PaymentController } from '../common/payment-controller.decorator';
import { Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyProtected } from '../common/openapi/api-errors.decorator';
import { ApiIdParam } from '../common/openapi/api-fields';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { SubscriptionListResponse, SubscriptionResponse } from './dto/subscription.response';
import { listPageFields, listRequestOf, type ListPageFields } from '../common/list-query';
import { ListSubscriptionsQuery } from './dto/list-subscriptions.query';
import { SubscriptionCancellationService } from './subscription-cancellation.service';
import { toSubscriptionResource, type SubscriptionResource } from './subscription.resource';
import { SubscriptionsService } from './subscriptions.service';

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
  @ApiOperation({ summary: 'Cancel at the end of the current period' })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiErrors(400, 404, 409, 502, 503)
  @ApiIdParam('id')
  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(@Param('id', ParseIdPipe) id: number): Promise<SubscriptionResource> {
    return toSubscriptionResource(await this.cancellation.cancelAtPeriodEnd(id));
  }

  /** Undoes a scheduled cancellation; 409 once the subscription has ended. */
  @ApiOperation({ summary: 'Undo a scheduled cancellation' })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiErrors(400, 404, 409, 502, 503)
  @ApiIdParam('id')
  @Post(':id/resume')
  @HttpCode(200)
  async resume(@Param('id', ParseIdPipe) id: number): Promise<SubscriptionResource> {
    return toSubscriptionResource(await this.cancellation.resume(id));
  }
}
