import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError } from '../../common/domain-error';
import { SandboxCheckoutService } from './sandbox-checkout.service';
import { SandboxClock } from './sandbox-clock';
import type {
  SandboxCharge,
  SandboxDispute,
  SandboxEarlyFraudWarning,
  SandboxEvent,
  SandboxRefund,
  UnixSeconds,
} from './sandbox-objects.types';
import type {
  CreateDisputeInput,
  DashboardRefundInput,
  FraudWarningInput,
  PaymentTarget,
  UpdateDisputeInput,
} from './sandbox-simulation.input';
import { SandboxLedger } from './sandbox.ledger';
import { SandboxStore } from './sandbox.store';
import {
  SANDBOX_EVENT_SINK,
  type DeliveryReport,
  type SandboxEventSink,
} from './sandbox-webhook.sender';

export interface ClockAdvanceResult {
  now: string;
  now_unix: UnixSeconds;
  offset_seconds: number;
  renewed: { subscription: string; invoice: string; period_end: UnixSeconds }[];
  ended: string[];
  expired_sessions: string[];
  events: DeliveryReport[];
}

const dueBy = (now: UnixSeconds, hours: number | null): UnixSeconds | null =>
  hours === null ? null : now + Math.round(hours * 3600);

/**
 * What happens at a provider without our API being called (like `stripe
 * trigger` or the dashboard): disputes, early fraud warnings, refunds made
 * elsewhere, and time passing. Each sends its events and waits for delivery, so
 * that a script or test sees the effect when the call returns.
 */
@Injectable()
export class SandboxSimulatorService {
  constructor(
    private readonly store: SandboxStore,
    private readonly clock: SandboxClock,
    private readonly ledger: SandboxLedger,
    private readonly checkout: SandboxCheckoutService,
    @Inject(SANDBOX_EVENT_SINK) private readonly events: SandboxEventSink,
  ) {}

  async createDispute(
    input: CreateDisputeInput,
  ): Promise<{ dispute: SandboxDispute; events: DeliveryReport[] }> {
    const { dispute, event } = await this.store.mutate(() => this.newDispute(input));
    return { dispute, events: await this.send([event]) };
  }

  private newDispute(input: CreateDisputeInput): { dispute: SandboxDispute; event: SandboxEvent } {
    const charge = this.successfulCharge(input);
    const existing = [...this.store.disputes.values()].find(
      (dispute) => dispute.charge === charge.id,
    );
    if (existing) throw new ConflictError(`Charge ${charge.id} already has dispute ${existing.id}`);
    const now = this.clock.now();
    const dispute: SandboxDispute = {
      id: this.store.newId('dp'),
      object: 'dispute',
      created: now,
      amount: charge.amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      status: input.status,
      reason: input.reason,
      evidence_details: {
        due_by: dueBy(now, input.dueInHours),
        has_evidence: false,
        past_due: false,
        submission_count: 0,
      },
      // An inquiry can still be refunded to settle it; a chargeback has taken the money already.
      is_charge_refundable: input.status.startsWith('warning_'),
    };
    this.store.disputes.set(dispute.id, dispute);
    charge.disputed = true;
    return { dispute, event: this.ledger.event('charge.dispute.created', dispute) };
  }

  async updateDispute(
    disputeId: string,
    input: UpdateDisputeInput,
  ): Promise<{ dispute: SandboxDispute; events: DeliveryReport[] }> {
    const { dispute, event } = await this.store.mutate(() => {
      const dispute = this.openDispute(disputeId);
      if (input.status) dispute.status = input.status;
      if (input.reason) dispute.reason = input.reason;
      if (input.dueInHours !== undefined)
        dispute.evidence_details.due_by = dueBy(this.clock.now(), input.dueInHours);
      return { dispute, event: this.ledger.event('charge.dispute.updated', dispute) };
    });
    return { dispute, events: await this.send([event]) };
  }

  async closeDispute(
    disputeId: string,
    status: 'won' | 'lost' | 'warning_closed',
  ): Promise<{ dispute: SandboxDispute; events: DeliveryReport[] }> {
    const { dispute, event } = await this.store.mutate(() => {
      const dispute = this.openDispute(disputeId);
      dispute.status = status;
      dispute.is_charge_refundable = false;
      return { dispute, event: this.ledger.event('charge.dispute.closed', dispute) };
    });
    return { dispute, events: await this.send([event]) };
  }

  async createFraudWarning(
    input: FraudWarningInput,
  ): Promise<{ early_fraud_warning: SandboxEarlyFraudWarning; events: DeliveryReport[] }> {
    const { warning, event } = await this.store.mutate(() => this.newFraudWarning(input));
    return { early_fraud_warning: warning, events: await this.send([event]) };
  }

  private newFraudWarning(input: FraudWarningInput): {
    warning: SandboxEarlyFraudWarning;
    event: SandboxEvent;
  } {
    const charge = this.successfulCharge(input);
    const existing = [...this.store.warnings.values()].find(
      (warning) => warning.charge === charge.id,
    );
    if (existing)
      throw new ConflictError(`Charge ${charge.id} already has early fraud warning ${existing.id}`);
    const warning: SandboxEarlyFraudWarning = {
      id: this.store.newId('issfr'),
      object: 'radar.early_fraud_warning',
      created: this.clock.now(),
      // As on Stripe: nothing left to act on once the charge is refunded or disputed.
      actionable: !charge.refunded && !charge.disputed,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      fraud_type: input.fraudType,
    };
    this.store.warnings.set(warning.id, warning);
    return { warning, event: this.ledger.event('radar.early_fraud_warning.created', warning) };
  }

  /** A refund made outside our API (the provider's dashboard): our service learns of it by webhook only. */
  async dashboardRefund(
    input: DashboardRefundInput,
  ): Promise<{ refund: SandboxRefund; events: DeliveryReport[] }> {
    const { refund, events } = await this.store.mutate(() => {
      const charge = this.successfulCharge(input);
      const refund = this.ledger.refund(charge, input.amount, input.reason, {});
      return {
        refund,
        events: [
          this.ledger.event('refund.created', refund),
          this.ledger.event('charge.refunded', charge),
        ],
      };
    });
    return { refund, events: await this.send(events) };
  }

  /**
   * Moves the clock forward and plays what falls due, in time order: expired
   * sessions, subscription renewals (a paid invoice per period) and the end of
   * subscriptions set to cancel. Each event is dated at its moment, so a jump
   * over three periods gives three renewals with increasing `created`.
   */
  async advanceClock(seconds: number): Promise<ClockAdvanceResult> {
    const played = await this.store.mutate(() => this.playUntil(this.clock.advance(seconds)));
    const { now, renewed, ended, expired, timeline } = played;
    const events = await this.send(timeline.map((item) => item.event));
    return {
      now: new Date(now * 1000).toISOString(),
      now_unix: now,
      offset_seconds: this.clock.offset(),
      renewed,
      ended,
      expired_sessions: expired.map((item) => item.sessionId),
      events,
    };
  }

  private playUntil(now: UnixSeconds) {
    const expired = this.checkout.expireDue(now);
    const timeline: { at: UnixSeconds; event: SandboxEvent }[] = expired.map(({ at, event }) => ({
      at,
      event,
    }));
    const renewed: ClockAdvanceResult['renewed'] = [];
    const ended: string[] = [];
    for (const subscription of this.store.subscriptions.values()) {
      while (subscription.status === 'active' && subscription.current_period_end <= now) {
        const at = subscription.current_period_end;
        if (subscription.cancel_at_period_end) {
          this.ledger.endSubscription(subscription);
          ended.push(subscription.id);
          timeline.push({
            at,
            event: this.ledger.event('customer.subscription.deleted', subscription, at),
          });
          break;
        }
        const invoice = this.ledger.renewSubscription(subscription);
        renewed.push({
          subscription: subscription.id,
          invoice: invoice.id,
          period_end: subscription.current_period_end,
        });
        timeline.push({ at, event: this.ledger.event('invoice.paid', invoice, at) });
        timeline.push({
          at,
          event: this.ledger.event('customer.subscription.updated', subscription, at),
        });
      }
    }
    // Array.prototype.sort is stable: events of one moment keep their order.
    timeline.sort((a, b) => a.at - b.at);
    return { now, renewed, ended, expired, timeline };
  }

  async clockNow(): Promise<{ now: string; now_unix: UnixSeconds; offset_seconds: number }> {
    await this.store.refresh();
    const now = this.clock.now();
    return {
      now: new Date(now * 1000).toISOString(),
      now_unix: now,
      offset_seconds: this.clock.offset(),
    };
  }

  private send(events: SandboxEvent[]): Promise<DeliveryReport[]> {
    return this.events.send(events);
  }

  /** The charge a simulation is about; unknown ids are 404s here (not the provider's 400). */
  private successfulCharge(target: PaymentTarget): SandboxCharge {
    let charge: SandboxCharge | undefined;
    if (target.chargeId) {
      charge = this.store.charges.get(target.chargeId);
      if (!charge) throw new NotFoundError('Charge', target.chargeId);
    } else {
      const id = target.paymentIntentId ?? '';
      const paymentIntent = this.store.paymentIntents.get(id);
      if (!paymentIntent) throw new NotFoundError('Payment intent', id);
      charge = paymentIntent.latest_charge
        ? this.store.charges.get(paymentIntent.latest_charge)
        : undefined;
      if (!charge || paymentIntent.status !== 'succeeded') {
        throw new ConflictError(`Payment intent ${id} has no successful charge`);
      }
    }
    if (charge.status !== 'succeeded')
      throw new ConflictError(`Charge ${charge.id} did not succeed`);
    return charge;
  }

  private openDispute(disputeId: string): SandboxDispute {
    const dispute = this.store.disputes.get(disputeId);
    if (!dispute) throw new NotFoundError('Dispute', disputeId);
    if ((['won', 'lost', 'warning_closed'] as string[]).includes(dispute.status)) {
      throw new ConflictError(`Dispute ${disputeId} is already closed (${dispute.status})`);
    }
    return dispute;
  }
}
