import { CliUsageError, limitFlag, stringFlag, type CliCommand } from '../cli/cli-command';
import { formatTable } from '../cli/table';
import { TRANSACTION_STATUSES, TRANSACTION_TYPES } from './dto/list-transactions.query';
import type { TransactionStatus, TransactionType } from './entities/transaction.entity';
import { TransactionsService } from './transactions.service';

/** 2900 usd → "29.00 usd" (minor units shown with the currency's usual two decimals; jpy has none). */
function money(amount: number, currency: string): string {
  const zeroDecimal = [
    'bif',
    'clp',
    'djf',
    'gnf',
    'jpy',
    'kmf',
    'krw',
    'mga',
    'pyg',
    'rwf',
    'ugx',
    'vnd',
    'vuv',
    'xaf',
    'xof',
    'xpf',
  ];
  return zeroDecimal.includes(currency)
    ? `${amount} ${currency}`
    : `${(amount / 100).toFixed(2)} ${currency}`;
}

export const transactionCommands: CliCommand[] = [
  {
    path: ['transactions'],
    usage: `transactions [--status ${TRANSACTION_STATUSES.join('|')}] [--type charge|refund] [--customer-ref REF] [--limit N]`,
    description: 'list transactions, newest first',
    async run(context, args, io) {
      const status = stringFlag(args, 'status') as TransactionStatus | undefined;
      if (status && !TRANSACTION_STATUSES.includes(status)) {
        throw new CliUsageError(`--status must be one of ${TRANSACTION_STATUSES.join(', ')}`);
      }
      const type = stringFlag(args, 'type') as TransactionType | undefined;
      if (type && !TRANSACTION_TYPES.includes(type))
        throw new CliUsageError(`--type must be one of ${TRANSACTION_TYPES.join(', ')}`);
      const customerRef = stringFlag(args, 'customer-ref');
      const { rows, total } = await context
        .get(TransactionsService)
        .list({ status, type, customerRef }, { page: 1, pageSize: limitFlag(args) });
      io.out(
        formatTable(rows, [
          { header: 'ID', value: (r) => r.id },
          { header: 'TYPE', value: (r) => r.type },
          { header: 'STATUS', value: (r) => r.status },
          { header: 'AMOUNT', value: (r) => money(r.amount, r.currency) },
          {
            header: 'REFUNDED',
            value: (r) => (r.amountRefunded > 0 ? money(r.amountRefunded, r.currency) : null),
          },
          { header: 'CUSTOMER REF', value: (r) => r.customerRef },
          {
            header: 'PROVIDER ID',
            value: (r) =>
              r.providerRefundId ??
              r.providerPaymentIntentId ??
              r.providerInvoiceId ??
              r.providerChargeId,
          },
          { header: 'CHECKOUT SESSION', value: (r) => r.checkoutSessionId },
          { header: 'CREATED', value: (r) => r.createdAt },
        ]),
      );
      if (rows.length > 0 && total > rows.length)
        io.out(`(${rows.length} of ${total}; --limit N for more)`);
      return 0;
    },
  },
];
