import { Writable } from 'node:stream';
import { createRootLogger } from './logging';

/** A destination that keeps each JSON line. */
function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines };
}

describe('createRootLogger', () => {
  it('writes JSON lines with an ISO time and the level by name', () => {
    const { stream, lines } = capture();
    createRootLogger('info', stream).info({ context: 'Test', n: 1 }, 'hello');
    expect(lines()).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as string,
        pid: process.pid,
        context: 'Test',
        n: 1,
        msg: 'hello',
      },
    ]);
  });

  it.each([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
    ['silent', []],
  ] as const)('honours LOG_LEVEL=%s', (level, expected) => {
    const { stream, lines } = capture();
    const logger = createRootLogger(level, stream);
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines().map((line) => line.level)).toEqual(expected);
  });

  it('redacts secrets in messages, in values under secret-looking keys, however deep, and in errors', () => {
    const { stream, lines } = capture();
    const logger = createRootLogger('info', stream);
    logger.info(
      {
        headers: { authorization: 'Bearer k1', 'stripe-signature': 't=1,v1=x', accept: '*/*' },
        nested: [{ apiKey: 'k', password: 'p', ok: 1 }],
        url: 'postgres://app:pw@db/payments',
      },
      'calling with sk_live_abc123 and whsec_def',
    );
    logger.error({ err: new Error('rejected key sk_test_zz9') }, 'failed');
    const [info, error] = lines();
    expect(info).toMatchObject({
      msg: 'calling with sk_live_[redacted] and whsec_[redacted]',
      headers: { authorization: '[redacted]', 'stripe-signature': '[redacted]', accept: '*/*' },
      nested: [{ apiKey: '[redacted]', password: '[redacted]', ok: 1 }],
      url: 'postgres://app:[redacted]@db/payments',
    });
    const err = error.err as { message: string; stack: string };
    expect(err.message).toBe('rejected key sk_test_[redacted]');
    expect(err.stack).toContain('sk_test_[redacted]');
    expect(JSON.stringify(lines())).not.toMatch(/k1|sk_live_abc|whsec_def|:pw@|zz9/);
  });
});
