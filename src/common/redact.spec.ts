import { redact, redactText } from './redact';

describe('redact', () => {
  it.each([
    ['key sk_live_abc123 leaked', 'key sk_live_[redacted] leaked'],
    ['secret whsec_abc_def', 'secret whsec_[redacted]'],
    ['Authorization: Bearer k1-secret', 'Authorization: Bearer [redacted]'],
    ['postgres://user:pw@host/db', 'postgres://user:[redacted]@host/db'],
  ])('removes secrets from %s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('redacts values under secret-looking keys, however deep', () => {
    expect(
      redact({ a: { authorization: 'Bearer x', apiKey: 'k', nested: [{ password: 'p', ok: 1 }] } }),
    ).toEqual({
      a: {
        authorization: '[redacted]',
        apiKey: '[redacted]',
        nested: [{ password: '[redacted]', ok: 1 }],
      },
    });
  });
});

describe('redactText', () => {
  it.each([
    ['/x?api_key=abc123&page=2', '/x?api_key=[redacted]&page=2'],
    ['/x?page=1&access_token=t0k', '/x?page=1&access_token=[redacted]'],
    ['/api/v1/payment/transactions?status=failed', '/api/v1/payment/transactions?status=failed'],
  ])('removes secret query parameters from %s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });
});
