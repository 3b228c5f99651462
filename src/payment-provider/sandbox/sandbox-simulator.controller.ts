import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyProtected } from '../../common/openapi/api-errors.decorator';
import { SandboxCatalog } from './sandbox-catalog';
import type { SandboxPrice } from './sandbox-objects.types';
import {
  parseClockAdvance,
  parseCloseDispute,
  parseCreateDispute,
  parseDashboardRefund,
  parseFraudWarning,
  parseUpdateDispute,
} from './sandbox-simulation.input';
import { SandboxSimulatorService } from './sandbox-simulator.service';
import { SandboxToolsGuard } from './sandbox-tools.guard';
import {
  SandboxClockAdvanceResponse,
  SandboxClockResponse,
  SandboxDisputeResultResponse,
  SandboxFraudWarningResultResponse,
  SandboxPriceListResponse,
  SandboxRefundResultResponse,
} from './sandbox.responses';

type Result<K extends keyof SandboxSimulatorService> = ReturnType<SandboxSimulatorService[K]>;

const target = {
  payment_intent_id: { type: 'string', example: 'pi_sbx_…' },
  charge_id: { type: 'string', example: 'ch_sbx_…', description: 'instead of payment_intent_id' },
};

/**
 * Sandbox-only routes, like `stripe trigger`: things that happen at the provider
 * without our API being asked. Each answers once its webhook events have been
 * delivered to our own webhook route (their delivery reports are in `events`).
 */
@ApiTags('sandbox')
@ApiKeyProtected()
@UseGuards(SandboxToolsGuard)
@Controller('sandbox')
export class SandboxSimulatorController {
  constructor(
    private readonly simulator: SandboxSimulatorService,
    private readonly catalog: SandboxCatalog,
  ) {}

  @ApiOperation({ summary: 'The sandbox price catalog (SANDBOX_PRICES or the bundled one)' })
  @ApiOkResponse({ type: SandboxPriceListResponse })
  @Get('prices')
  prices(): { prices: SandboxPrice[] } {
    return { prices: this.catalog.list() };
  }

  @ApiOperation({ summary: 'Open a chargeback on a payment (charge.dispute.created)' })
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        ...target,
        reason: { type: 'string', default: 'fraudulent' },
        due_in_hours: {
          type: 'number',
          nullable: true,
          default: 168,
          description: 'null: no deadline; negative: already passed',
        },
        status: {
          type: 'string',
          default: 'needs_response',
          enum: [
            'needs_response',
            'under_review',
            'warning_needs_response',
            'warning_under_review',
          ],
        },
      },
    },
  })
  @ApiCreatedResponse({ type: SandboxDisputeResultResponse })
  @ApiErrors(400, 404, 409)
  @Post('simulate/dispute')
  createDispute(@Body() body: unknown): Result<'createDispute'> {
    return this.simulator.createDispute(parseCreateDispute(body));
  }

  @ApiOperation({ summary: 'Change a dispute (charge.dispute.updated)' })
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        status: { type: 'string' },
        reason: { type: 'string' },
        due_in_hours: { type: 'number', nullable: true },
      },
    },
  })
  @ApiOkResponse({ type: SandboxDisputeResultResponse })
  @ApiErrors(400, 404, 409)
  @Post('simulate/dispute/:id/update')
  @HttpCode(200)
  updateDispute(@Param('id') id: string, @Body() body: unknown): Result<'updateDispute'> {
    return this.simulator.updateDispute(id, parseUpdateDispute(body));
  }

  @ApiOperation({
    summary: 'Close a dispute as won, lost or warning_closed (charge.dispute.closed)',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['won', 'lost', 'warning_closed'] } },
    },
  })
  @ApiOkResponse({ type: SandboxDisputeResultResponse })
  @ApiErrors(400, 404, 409)
  @Post('simulate/dispute/:id/close')
  @HttpCode(200)
  closeDispute(@Param('id') id: string, @Body() body: unknown): Result<'closeDispute'> {
    return this.simulator.closeDispute(id, parseCloseDispute(body).status);
  }

  @ApiOperation({
    summary: 'Issue an early fraud warning on a payment (radar.early_fraud_warning.created)',
  })
  @ApiBody({
    schema: {
      type: 'object',
      properties: { ...target, fraud_type: { type: 'string', default: 'made_with_stolen_card' } },
    },
  })
  @ApiCreatedResponse({ type: SandboxFraudWarningResultResponse })
  @ApiErrors(400, 404, 409)
  @Post('simulate/fraud-warning')
  createFraudWarning(@Body() body: unknown): Result<'createFraudWarning'> {
    return this.simulator.createFraudWarning(parseFraudWarning(body));
  }

  @ApiOperation({
    summary:
      "Refund from the provider's dashboard, not through our API (refund.created, charge.refunded)",
  })
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        ...target,
        amount: { type: 'integer', description: 'minor units; default: what remains' },
        reason: { type: 'string', enum: ['duplicate', 'fraudulent', 'requested_by_customer'] },
      },
    },
  })
  @ApiCreatedResponse({ type: SandboxRefundResultResponse })
  @ApiErrors(400, 404, 409)
  @Post('simulate/refund')
  dashboardRefund(@Body() body: unknown): Result<'dashboardRefund'> {
    return this.simulator.dashboardRefund(parseDashboardRefund(body));
  }

  @ApiOperation({ summary: 'The sandbox clock' })
  @ApiOkResponse({ type: SandboxClockResponse })
  @Get('clock')
  clock(): ReturnType<SandboxSimulatorService['clockNow']> {
    return this.simulator.clockNow();
  }

  @ApiOperation({
    summary: 'Move the sandbox clock forward: renewals, period-end cancellations, session expiry',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['seconds'],
      properties: { seconds: { type: 'integer', example: 2678400 } },
    },
  })
  @ApiOkResponse({ type: SandboxClockAdvanceResponse })
  @ApiErrors(400)
  @Post('clock/advance')
  @HttpCode(200)
  advanceClock(@Body() body: unknown): Result<'advanceClock'> {
    return this.simulator.advanceClock(parseClockAdvance(body).seconds);
  }
}
