import { Global, Module } from '@nestjs/common';
import { ReconcileJob } from './reconcile.job';
import { ReconcileService } from './reconcile.service';

/** Reconciliation (issue 15): by hand (`payments reconcile`) and on RECONCILE_CRON. */
@Global()
@Module({
  providers: [ReconcileService, ReconcileJob],
  exports: [ReconcileService, ReconcileJob],
})
export class ReconcileModule {}
