/**
 * The load: `connections` keep-alive connections, each sending one request after
 * another for `durationMs` (or until `maxRequests`), bodies made and signed at
 * send time. A loop of our own over node:http (no extra dependency).
 */
import * as http from 'node:http';

export interface LoadResult {
  requests: number;
  non2xx: number;
  errors: number;
  wallMs: number;
  latencies: number[];
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationMs: number;
  /** Stop after this many requests (default: no limit). */
  maxRequests?: number;
  /** The body and headers of request number `k` (0, 1, 2… in send order). */
  request: (k: number) => { body: string; headers: Record<string, string> };
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  let next = 0;
  let non2xx = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + options.durationMs;
  const max = options.maxRequests ?? Number.POSITIVE_INFINITY;

  const send = (k: number): Promise<void> =>
    new Promise((resolve) => {
      const { body, headers } = options.request(k);
      const sent = performance.now();
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - sent);
            if (!res.statusCode || res.statusCode < 200 || res.statusCode > 299) non2xx++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });

  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < end && next < max) await send(next++);
    }),
  );
  const wallMs = performance.now() - start;
  agent.destroy();
  return { requests: latencies.length + errors, non2xx, errors, wallMs, latencies };
}
