import { WebhookVerificationError } from '../payment-provider.errors';
import { signSandboxPayload, verifySandboxSignature } from './sandbox-signature';

const SECRET = 'whsec_sandbox_test';
const NOW = 1_800_000_000;
const BODY = JSON.stringify({
  id: 'evt_sbx_1',
  object: 'event',
  type: 'payment_intent.succeeded',
  created: NOW,
  data: { object: {} },
});

const verify = (body: string | Buffer, header: string | string[] | undefined, now = NOW) =>
  verifySandboxSignature(Buffer.isBuffer(body) ? body : Buffer.from(body), header, SECRET, now);

describe('sandbox webhook signatures', () => {
  it('has the t=…,v1=<hex sha256> form', () => {
    expect(signSandboxPayload(BODY, SECRET, NOW)).toMatch(new RegExp(`^t=${NOW},v1=[0-9a-f]{64}$`));
  });

  it('accepts a body signed with the secret', () => {
    expect(() => verify(BODY, signSandboxPayload(BODY, SECRET, NOW))).not.toThrow();
  });

  it('accepts a signature up to 300 seconds old', () => {
    expect(() => verify(BODY, signSandboxPayload(BODY, SECRET, NOW - 300))).not.toThrow();
  });

  it('accepts any matching v1 among several (secret rotation)', () => {
    const good = signSandboxPayload(BODY, SECRET, NOW);
    const other = signSandboxPayload(BODY, 'whsec_old', NOW).split(',')[1];
    expect(() => verify(BODY, `${good},${other}`)).not.toThrow();
    expect(() => verify(BODY, `t=${NOW},${other},${good.split(',')[1]}`)).not.toThrow();
  });

  it.each([
    [
      'a wrong secret',
      () => verify(BODY, signSandboxPayload(BODY, 'whsec_wrong', NOW)),
      /No sandbox-signature signature matches/,
    ],
    [
      'a stale timestamp',
      () => verify(BODY, signSandboxPayload(BODY, SECRET, NOW - 301)),
      /Stale sandbox-signature timestamp/,
    ],
    [
      'a timestamp far ahead',
      () => verify(BODY, signSandboxPayload(BODY, SECRET, NOW + 301)),
      /Stale sandbox-signature timestamp/,
    ],
    [
      'one changed byte',
      () => verify(BODY.replace('succeeded', 'succeedea'), signSandboxPayload(BODY, SECRET, NOW)),
      /matches the payload/,
    ],
    [
      're-serialised JSON',
      () =>
        verify(JSON.stringify(JSON.parse(BODY), null, 1), signSandboxPayload(BODY, SECRET, NOW)),
      /matches/,
    ],
    ['a missing header', () => verify(BODY, undefined), /Missing sandbox-signature header/],
    ['an empty header', () => verify(BODY, ''), /Missing sandbox-signature header/],
    ['a header without v1', () => verify(BODY, `t=${NOW}`), /Malformed sandbox-signature header/],
    ['a header without t', () => verify(BODY, 'v1=abcd'), /Malformed sandbox-signature header/],
    ['a non-hex signature', () => verify(BODY, `t=${NOW},v1=zzzz`), /matches/],
    [
      'a truncated signature',
      () => verify(BODY, signSandboxPayload(BODY, SECRET, NOW).slice(0, -2)),
      /matches/,
    ],
  ])('refuses %s', (_case, run, message) => {
    expect(run).toThrow(WebhookVerificationError);
    expect(run).toThrow(message);
  });

  it('checks the first value when a header is repeated', () => {
    expect(() => verify(BODY, [signSandboxPayload(BODY, SECRET, NOW), 'junk'])).not.toThrow();
  });
});
