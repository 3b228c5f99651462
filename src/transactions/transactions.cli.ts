import { Command, Option } from 'nest-commander';
import { ListCommand, oneOf, type ListOptions } from '../cli/cli-command';
import { formatTable } from '../cli/table';
import { TRANSACTION_STATUSES, TRANSACTION_TYPES } from './dto/list-transactions.query';
import type { TransactionStatus, TransactionType } from './entities/transaction.entity';
import { toTransactionResource } from './transaction.resource';
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

@Command({ name: 'transactions', description: 'list transactions, newest first' })
export class TransactionsCommand extends ListCommand {
  @Option({
    flags: '--status <status>',
    description: 'only transactions in this status',
    choices: [...TRANSACTION_STATUSES],
  })
  parseStatus(value: string): string {
    return oneOf(TRANSACTION_STATUSES, value);
  }

  @Option({
    flags: '--type <type>',
    description: 'charges or refunds only',
    choices: [...TRANSACTION_TYPES],
  })
  parseType(value: string): string {
    return oneOf(TRANSACTION_TYPES, value);
  }

  @Option({ flags: '--customer-ref <ref>', description: "only this app user's transactions" })
  parseCustomerRef(value: string): string {
    return value;
  }

  async run(
    _args: string[],
    options: ListOptions & {
      status?: TransactionStatus;
      type?: TransactionType;
      customerRef?: string;
    },
  ) {
    const { rows, total } = await (
      await this.service(TransactionsService)
    ).list(
      { status: options.status, type: options.type, customerRef: options.customerRef },
      { page: 1, pageSize: options.limit },
    );
    if (options.json)
      return this.cli.json({ transactions: rows.map(toTransactionResource), total });
    this.cli.out(
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
      this.cli.out(`(${rows.length} of ${total}; --limit N for more)`);
  }
}

/** This feature's `payments` commands (listed in src/cli/commands.ts). */
export const transactionCommands = [TransactionsCommand];
