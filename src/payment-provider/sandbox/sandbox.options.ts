import type { SandboxPrice } from './sandbox-objects.types';

export const SANDBOX_OPTIONS = Symbol('SANDBOX_OPTIONS');

/** What the sandbox needs from the configuration, resolved once at boot. */
export interface SandboxOptions {
  prices: SandboxPrice[];
  webhookSecret: string;
  /** PUBLIC_BASE_URL without a trailing slash: the hosted page is under it. */
  publicBaseUrl: string;
  /** Waits before each retry of a failed delivery (its length is the number of retries). */
  retryDelaysMs: number[];
}

export const SANDBOX_RETRY_DELAYS_MS = [200, 500, 1000];
