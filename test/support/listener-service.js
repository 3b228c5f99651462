// A child-process entry for crash tests: the built service (dist/) plus one durable
// @OnPaymentEvent listener that records each call in a file, so a test can SIGKILL the
// process while the listener runs and see what happens after a restart.
// Plain CommonJS (the test runs it with node, not through jest): decorators applied by hand.
// env: LISTENER_LOG (file to append to), LISTENER_SLEEP_MS (how long the listener runs).
'use strict';
require('reflect-metadata');
const fs = require('node:fs');
const path = require('node:path');
const { Injectable, Module } = require('@nestjs/common');
const dist = path.resolve(__dirname, '..', '..', 'dist', 'src');
const { createApp } = require(path.join(dist, 'bootstrap'));
const { loadConfig } = require(path.join(dist, 'config', 'app-config'));
const { OnPaymentEvent } = require(path.join(dist, 'events', 'on-payment-event.decorator'));
const { PaymentEvents } = require(path.join(dist, 'events', 'payment-events'));

const log = (line) => fs.appendFileSync(process.env.LISTENER_LOG, `${line}\n`);

class CrashProbeListener {
  async onDispute(event) {
    log(`start ${process.pid} ${event.dispute.provider_dispute_id}`);
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.LISTENER_SLEEP_MS ?? 0)));
    log(`done ${process.pid} ${event.dispute.provider_dispute_id}`);
  }
}
OnPaymentEvent(PaymentEvents.DISPUTE_CREATED, { name: 'crash-probe' })(
  CrashProbeListener.prototype,
  'onDispute',
  Object.getOwnPropertyDescriptor(CrashProbeListener.prototype, 'onDispute'),
);
Injectable()(CrashProbeListener);

// Checkout crash tests: records each payment.checkout.completed with its session and app user.
class CheckoutProbeListener {
  onCompleted(event) {
    log(`checkout ${process.pid} ${event.providerSessionId} ${event.customerRef}`);
  }
}
OnPaymentEvent(PaymentEvents.CHECKOUT_COMPLETED, { name: 'checkout-probe' })(
  CheckoutProbeListener.prototype,
  'onCompleted',
  Object.getOwnPropertyDescriptor(CheckoutProbeListener.prototype, 'onCompleted'),
);
Injectable()(CheckoutProbeListener);

class CrashProbeModule {}
Module({ providers: [CrashProbeListener, CheckoutProbeListener] })(CrashProbeModule);

async function main() {
  const config = loadConfig(process.env);
  const app = await createApp(config, config.databaseUrl, { imports: [CrashProbeModule] });
  await app.listen(0, '127.0.0.1');
  process.stdout.write(
    `${JSON.stringify({ msg: 'listening', port: app.getHttpServer().address().port })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
