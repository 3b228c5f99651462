import { PaymentController } from '../../common/payment-controller.decorator';
import { Body, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyProtected } from '../../common/openapi/api-errors.decorator';
import { SandboxCatalog } from './sandbox-catalog';
import type { SandboxPrice } from './sandbox-objects.types';
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
import { SandboxSimulatorService } from './sandbox-simulator.service';
import {
  SandboxClockAdvanceResponse,
  SandboxClockResponse,
  SandboxDisputeResultResponse,
  SandboxFraudWarningResultResponse,
  SandboxPriceListResponse,
  SandboxRefundResultResponse,
} from './sandbox.responses';

type Result<K extends keyof SandboxSimulatorService> = ReturnType<SandboxSimulatorService[K]>;

/**
 * Sandbox-only routes, like `stripe trigger`: things that happen at the provider
 * without our API being asked. Each answers once its webhook events have been
 * delivered to our own webhook route (their delivery reports are in `events`).
 */
@ApiTags('sandbox')
@ApiKeyProtected()
@PaymentController('sandbox')
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
  @ApiCreatedResponse({ type: SandboxDisputeResultResponse })
  @ApiErrors(400, 404, 409, 415)
  @Post('simulate/dispute')
  createDispute(@Body() body: SimulateDisputeDto): Result<'createDispute'> {
    return this.simulator.createDispute(toCreateDisputeInput(body));
  }

  @ApiOperation({ summary: 'Change a dispute (charge.dispute.updated)' })
  @ApiOkResponse({ type: SandboxDisputeResultResponse })
  @ApiErrors(400, 404, 409, 415)
  @Post('simulate/dispute/:id/update')
  @HttpCode(200)
  updateDispute(@Param('id') id: string, @Body() body: UpdateDisputeDto): Result<'updateDispute'> {
    return this.simulator.updateDispute(id, toUpdateDisputeInput(body));
  }

  @ApiOperation({
    summary: 'Close a dispute as won, lost or warning_closed (charge.dispute.closed)',
  })
  @ApiOkResponse({ type: SandboxDisputeResultResponse })
  @ApiErrors(400, 404, 409, 415)
  @Post('simulate/dispute/:id/close')
  @HttpCode(200)
  closeDispute(@Param('id') id: string, @Body() body: CloseDisputeDto): Result<'closeDispute'> {
    return this.simulator.closeDispute(id, body.status);
  }

  @ApiOperation({
    summary: 'Issue an early fraud warning on a payment (radar.early_fraud_warning.created)',
  })
  @ApiCreatedResponse({ type: SandboxFraudWarningResultResponse })
  @ApiErrors(400, 404, 409, 415)
  @Post('simulate/fraud-warning')
  createFraudWarning(@Body() body: SimulateFraudWarningDto): Result<'createFraudWarning'> {
    return this.simulator.createFraudWarning(toFraudWarningInput(body));
  }

  @ApiOperation({
    summary:
      "Refund from the provider's dashboard, not through our API (refund.created, charge.refunded)",
  })
  @ApiCreatedResponse({ type: SandboxRefundResultResponse })
  @ApiErrors(400, 404, 409, 415)
  @Post('simulate/refund')
  dashboardRefund(@Body() body: SimulateRefundDto): Result<'dashboardRefund'> {
    return this.simulator.dashboardRefund(toDashboardRefundInput(body));
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
  @ApiOkResponse({ type: SandboxClockAdvanceResponse })
  @ApiErrors(400, 415)
  @Post('clock/advance')
  @HttpCode(200)
  advanceClock(@Body() body: AdvanceClockDto): Result<'advanceClock'> {
    return this.simulator.advanceClock(body.seconds);
  }
}
