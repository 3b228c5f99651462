import { AsyncLocalStorage } from 'node:async_hooks';
import Stripe from 'stripe';

/**
 * Network error codes that mean the request never left this host or never
 * reached a server: nothing can have been processed.
 */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
]);

/** What the attempts of one adapter call did (the SDK retries by itself and reports only the last). */
export interface CallAttempts {
  /** An attempt may have been processed by Stripe: sent and then timed out, reset, or answered 409/5xx. */
  maybeProcessed: boolean;
}

const attempts = new AsyncLocalStorage<CallAttempts>();

/** Runs one adapter call with its attempts recorded. */
export function trackAttempts<T>(operation: () => Promise<T>): {
  attempts: CallAttempts;
  result: Promise<T>;
} {
  const record: CallAttempts = { maybeProcessed: false };
  return { attempts: record, result: attempts.run(record, operation) };
}

type HttpClientType = ReturnType<typeof Stripe.createNodeHttpClient>;
type MakeRequestArgs = Parameters<HttpClientType['makeRequest']>;

/**
 * The SDK's Node HTTP client, watching each attempt: a failure before any byte
 * reached Stripe (connection refused, DNS) leaves the call "not sent"; any other
 * network failure, a 409 (same key in flight) or a 5xx marks it "maybe processed".
 */
export class AttemptTrackingHttpClient extends Stripe.HttpClient {
  constructor(private readonly inner: HttpClientType = Stripe.createNodeHttpClient()) {
    super();
  }

  override getClientName(): string {
    return this.inner.getClientName();
  }

  override makeRequest(...args: MakeRequestArgs): ReturnType<HttpClientType['makeRequest']> {
    const record = attempts.getStore();
    return this.inner.makeRequest(...args).then(
      (response) => {
        const status = response.getStatusCode();
        if (record && (status === 409 || status >= 500)) record.maybeProcessed = true;
        return response;
      },
      (error: unknown) => {
        const code = (error as { code?: string })?.code;
        if (record && !(code && NOT_SENT_CODES.has(code))) record.maybeProcessed = true;
        throw error;
      },
    );
  }
}
