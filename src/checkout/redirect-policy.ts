/*
 * Where a checkout may send the buyer back to (DESIGN §6.2): no open redirects.
 * Pure, so that every trick is covered by a table-driven unit test.
 */

export interface RedirectPolicy {
  /** PUBLIC_BASE_URL: root-relative paths resolve against its origin, and its host is always allowed. */
  publicBaseUrl: URL;
  /** REDIRECT_ALLOWED_HOSTS, lower-case: `shop.example.com` (any port) or `shop.example.com:8443`. */
  allowedHosts: readonly string[];
}

export type RedirectCheck = { ok: true; url: string } | { ok: false; reason: string };

export const MAX_REDIRECT_URL_LENGTH = 2048;

// Browsers drop tabs and newlines inside URLs and read `\` as `/`: `/\evil.com` and `/\t/evil.com`
// both become `//evil.com`. Nothing legitimate needs them, so they are refused outright.
const UNSAFE_CHARACTERS = /[\u0000-\u0020\u007f\\]/;

/**
 * Accepts a root-relative path (`/thanks?x=1`, resolved against PUBLIC_BASE_URL's origin) or an
 * absolute http(s) URL on PUBLIC_BASE_URL's host or an allowed host. The URL is returned as given
 * (not re-serialised) so that a `{CHECKOUT_SESSION_ID}` template reaches the provider intact.
 */
export function checkRedirectUrl(value: string, policy: RedirectPolicy): RedirectCheck {
  if (value.length === 0) return { ok: false, reason: 'must not be empty' };
  if (value.length > MAX_REDIRECT_URL_LENGTH) {
    return { ok: false, reason: `must be at most ${MAX_REDIRECT_URL_LENGTH} characters` };
  }
  if (UNSAFE_CHARACTERS.test(value)) {
    return { ok: false, reason: 'must not contain spaces, control characters or backslashes' };
  }
  if (value.startsWith('/')) {
    if (value.startsWith('//')) {
      return {
        ok: false,
        reason: 'must not be protocol-relative (//host); use a path such as /thanks or a full URL',
      };
    }
    return { ok: true, url: `${policy.publicBaseUrl.origin}${value}` };
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return {
      ok: false,
      reason: 'must be a root-relative path (/thanks) or an absolute http(s) URL',
    };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return {
      ok: false,
      reason: `must use http or https, not ${parsed.protocol.replace(/:$/, '')}`,
    };
  }
  // `https:evil.com` parses as https://evil.com/: insist on the `//` authority the reader expects.
  if (!/^https?:\/\//i.test(value)) {
    return { ok: false, reason: 'must be an absolute URL starting with http:// or https://' };
  }
  if (parsed.username || parsed.password) {
    return { ok: false, reason: 'must not contain credentials' };
  }
  if (!isAllowedHost(parsed, policy)) {
    return {
      ok: false,
      reason: `host ${parsed.host} is not allowed; use a path on this service, ${policy.publicBaseUrl.hostname}, or a host listed in REDIRECT_ALLOWED_HOSTS`,
    };
  }
  return { ok: true, url: value };
}

function isAllowedHost(url: URL, policy: RedirectPolicy): boolean {
  const hostname = url.hostname.toLowerCase();
  const host = url.host.toLowerCase();
  if (hostname === policy.publicBaseUrl.hostname.toLowerCase()) return true;
  return policy.allowedHosts.some((allowed) => {
    const entry = allowed.toLowerCase();
    // An entry with a port allows that port only; without one, any port of the host.
    return /:\d+$/.test(entry) && !entry.endsWith(']') ? entry === host : entry === hostname;
  });
}

/**
 * The operator's own defaults (PAYMENT_SUCCESS_URL / PAYMENT_CANCEL_URL) are trusted, but may be
 * written as paths: those resolve against PUBLIC_BASE_URL like a client's.
 */
export function resolveConfiguredUrl(value: string, publicBaseUrl: URL): string {
  return value.startsWith('/') && !value.startsWith('//')
    ? `${publicBaseUrl.origin}${value}`
    : value;
}
