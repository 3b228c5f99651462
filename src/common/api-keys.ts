import { createHash, timingSafeEqual } from 'node:crypto';
import { DomainError } from './domain-error';

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

/** The configured API keys (API_KEYS), checked against an Authorization header in constant time. */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** @throws DomainError('unauthorized') when the header carries no key or an unknown one. */
  verify(authorization: string | undefined): void {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match)
      throw new DomainError('unauthorized', 'Missing API key: send Authorization: Bearer <key>');
    const presented = digest(match[1]);
    // Compare against every key so timing does not reveal which one matched.
    const valid = this.digests.reduce((ok, key) => timingSafeEqual(key, presented) || ok, false);
    if (!valid) throw new DomainError('unauthorized', 'Invalid API key');
  }
}
