import { checkRedirectUrl, resolveConfiguredUrl, type RedirectPolicy } from './redirect-policy';

const policy: RedirectPolicy = {
  publicBaseUrl: new URL('https://pay.example.com/base/'),
  allowedHosts: ['shop.example.com', 'admin.example.com:8443', '[::1]'],
};

describe('checkRedirectUrl', () => {
  it.each([
    ['/thanks', 'https://pay.example.com/thanks'],
    [
      '/payment/success?session_id={CHECKOUT_SESSION_ID}',
      'https://pay.example.com/payment/success?session_id={CHECKOUT_SESSION_ID}',
    ],
    ['/done/{CHECKOUT_SESSION_ID}#top', 'https://pay.example.com/done/{CHECKOUT_SESSION_ID}#top'],
    ['https://pay.example.com/anything', 'https://pay.example.com/anything'],
    ['http://pay.example.com:3000/x', 'http://pay.example.com:3000/x'],
    ['https://PAY.example.com/x', 'https://PAY.example.com/x'],
    [
      'https://shop.example.com/ok?s={CHECKOUT_SESSION_ID}',
      'https://shop.example.com/ok?s={CHECKOUT_SESSION_ID}',
    ],
    ['https://shop.example.com:9999/any-port', 'https://shop.example.com:9999/any-port'],
    ['https://admin.example.com:8443/x', 'https://admin.example.com:8443/x'],
    ['http://[::1]:3000/local', 'http://[::1]:3000/local'],
  ])('accepts %s as %s', (input, expected) => {
    expect(checkRedirectUrl(input, policy)).toEqual({ ok: true, url: expected });
  });

  it.each([
    ['', 'must not be empty'],
    ['//evil.com', 'protocol-relative'],
    ['//evil.com/path', 'protocol-relative'],
    ['/\\evil.com', 'backslashes'],
    ['\\\\evil.com', 'backslashes'],
    ['/\t/evil.com', 'control characters'],
    ['/\n/evil.com', 'control characters'],
    [' https://pay.example.com/', 'spaces'],
    ['javascript:alert(1)', 'must use http or https, not javascript'],
    ['JaVaScRiPt:alert(1)', 'not javascript'],
    ['data:text/html,<script>alert(1)</script>', 'not data'],
    ['ftp://pay.example.com/x', 'not ftp'],
    ['https:evil.com', 'starting with http:// or https://'],
    ['https:/evil.com', 'starting with http:// or https://'],
    ['https://evil.com/', 'host evil.com is not allowed'],
    ['https://pay.example.com.evil.com/', 'is not allowed'],
    ['https://evil.com/?next=https://pay.example.com', 'is not allowed'],
    ['https://pay.example.com@evil.com/', 'credentials'],
    ['https://user:pw@pay.example.com/', 'credentials'],
    ['https://admin.example.com/wrong-port', 'is not allowed'],
    ['https://admin.example.com:8444/', 'is not allowed'],
    ['thanks', 'root-relative path'],
    ['evil.com', 'root-relative path'],
  ])('refuses %j (%s)', (input, reason) => {
    const result = checkRedirectUrl(input, policy);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });

  it('refuses a URL longer than 2048 characters', () => {
    expect(checkRedirectUrl(`/${'a'.repeat(2048)}`, policy)).toEqual({
      ok: false,
      reason: 'must be at most 2048 characters',
    });
  });
});

describe('resolveConfiguredUrl', () => {
  it.each([
    ['/payment/cancel', 'https://pay.example.com/payment/cancel'],
    [
      'https://shop.example.com/x?s={CHECKOUT_SESSION_ID}',
      'https://shop.example.com/x?s={CHECKOUT_SESSION_ID}',
    ],
  ])('resolves %s to %s', (input, expected) => {
    expect(resolveConfiguredUrl(input, policy.publicBaseUrl)).toBe(expected);
  });
});
