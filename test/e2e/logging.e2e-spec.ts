import { Controller, Get, Logger, Module } from '@nestjs/common';
import { Writable } from 'node:stream';
import { createRootLogger } from '../../src/common/logging';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * Logging through nestjs-pino, on a logger the host passes in (here: the service's own
 * createRootLogger on a stream the test reads): one JSON object per line, the request id
 * on every line made while serving a request, secrets redacted, the error id of a 500.
 */

@Controller('test-logging')
class LoggingProbeController {
  private readonly logger = new Logger('LoggingProbe');

  @Get('log')
  log(): { ok: true } {
    this.logger.log({ msg: 'inside a request', token: 'tok-secret-value' });
    return { ok: true };
  }

  @Get('boom')
  boom(): never {
    throw new Error('exploded near sk_live_abc123');
  }
}

@Module({ controllers: [LoggingProbeController] })
class LoggingProbeModule {}

type Line = Record<string, unknown>;

describe('logging (e2e)', () => {
  let t: TestApp;
  let output = '';
  const lines = (): Line[] =>
    output
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Line);

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString();
        done();
      },
    });
    t = await createTestApp(
      { LOG_LEVEL: 'info' },
      { imports: [LoggingProbeModule], logger: createRootLogger('info', stream) },
    );
  });
  afterAll(() => t?.close());

  /** Lines written while `action` ran (the request line comes when the response finishes). */
  async function linesDuring(action: () => Promise<unknown>): Promise<Line[]> {
    const before = lines().length;
    await action();
    await new Promise((resolve) => setTimeout(resolve, 50));
    return lines().slice(before);
  }

  it('logs the app through the host logger, as JSON lines, from boot on', () => {
    const all = lines();
    expect(all.length).toBeGreaterThan(5);
    expect(all).toContainEqual(
      expect.objectContaining({ context: 'NestApplication', level: 'info' }),
    );
  });

  it('binds the request id to lines logged while serving the request and redacts secrets', async () => {
    const written = await linesDuring(() =>
      t.http
        .get('/test-logging/log?api_key=hunter2&page=1')
        .set('X-Request-Id', 'log-req-1')
        .set('Authorization', 'Bearer key-abc')
        .set('Cookie', 'session=cookie-value')
        .set('stripe-signature', 't=1,v1=sigvalue')
        .expect(200)
        .expect('X-Request-Id', 'log-req-1'),
    );
    expect(written).toContainEqual(
      expect.objectContaining({
        level: 'info',
        context: 'LoggingProbe',
        request_id: 'log-req-1',
        msg: 'inside a request',
        token: '[redacted]',
      }),
    );
    const request = written.find((line) => line.msg === 'request completed');
    expect(request).toMatchObject({
      request_id: 'log-req-1',
      req: {
        method: 'GET',
        url: '/test-logging/log?api_key=[redacted]&page=1',
        headers: {
          authorization: '[redacted]',
          cookie: '[redacted]',
          'stripe-signature': '[redacted]',
        },
      },
      res: { status_code: 200 },
      duration_ms: expect.any(Number) as number,
    });
    expect(JSON.stringify(written)).not.toMatch(/hunter2|key-abc|cookie-value|sigvalue|tok-secret/);
  });

  it('logs an unexpected error with the error id the client got, its redacted stack and the request id', async () => {
    let response: { body: { details?: { error_id?: string } }; headers: Record<string, string> };
    const written = await linesDuring(async () => {
      response = await t.http.get('/test-logging/boom').expect(500);
    });
    const errorId = response!.body.details?.error_id;
    expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
    const requestId = response!.headers['x-request-id'];
    const line = written.find((l) => l.error_id === errorId);
    expect(line).toMatchObject({
      level: 'error',
      context: 'ExceptionFilter',
      msg: 'unexpected error',
      request_id: requestId,
      error: 'exploded near sk_live_[redacted]',
    });
    expect(line?.stack).toEqual(expect.stringContaining('exploded near sk_live_[redacted]'));
    expect(line?.stack).toEqual(expect.stringContaining('LoggingProbeController'));
    expect(written).toContainEqual(
      expect.objectContaining({ request_id: requestId, level: 'error', res: { status_code: 500 } }),
    );
    expect(JSON.stringify(written)).not.toContain('sk_live_abc123');
  });
});
