import { redact } from './json-logger';

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
