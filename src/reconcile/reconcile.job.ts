import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { type ScheduledJob, ScheduledJobs } from '../events/scheduled-jobs';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { RECONCILE_JOB_NAME, ReconcileService } from './reconcile.service';

/** The job engine's task that runs one reconciliation. */
export const RECONCILE_TASK = 'payment_reconcile';

/**
 * The schedule of reconciliation (RECONCILE_CRON, default hourly; `off`
 * disables), on the job engine like the dispute deadline job: each instance's
 * cron tick inserts the tick into payment_scheduled_tick, and the instance whose
 * insert wins enqueues one job in the same statement — one run per tick across
 * instances, and a job enqueued before a crash still runs. The run itself also
 * takes the reconciliation lock, so a scheduled run and `payments reconcile`
 * never overlap either.
 */
@Injectable()
export class ReconcileJob implements OnModuleInit {
  private schedule?: ScheduledJob;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduledJobs: ScheduledJobs,
    private readonly reconcile: ReconcileService,
  ) {}

  onModuleInit(): void {
    this.schedule = this.scheduledJobs.register({
      name: RECONCILE_JOB_NAME,
      task: RECONCILE_TASK,
      cron: this.config.reconcile.cron,
      maxAttempts: 3,
      run: () => this.reconcile.run({ trigger: 'schedule' }),
    });
  }

  /** One job per tick, whichever instance gets there first; true when this call enqueued it. */
  enqueueTick(tick?: Date): Promise<boolean> {
    return this.schedule!.enqueueTick(tick);
  }
}
