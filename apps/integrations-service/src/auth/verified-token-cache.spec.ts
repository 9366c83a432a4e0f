import type { Principal } from './principal';
import { VerifiedTokenCache } from './verified-token-cache';

function principal(subject: string): Principal {
  return { subject, tenantId: 't1', scopes: new Set(['integrations:read']) };
}

describe('VerifiedTokenCache', () => {
  let now: number;
  const clock = (): number => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('returns a stored principal until the token expires', () => {
    const cache = new VerifiedTokenCache(10, 60_000, clock);
    cache.set('a', principal('alice'), now + 10_000);
    expect(cache.get('a')?.subject).toBe('alice');
    now += 9_999;
    expect(cache.get('a')?.subject).toBe('alice');
    now += 1;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps an entry no longer than its maximum age, even for a long-lived token', () => {
    const cache = new VerifiedTokenCache(10, 60_000, clock);
    cache.set('a', principal('alice'), now + 86_400_000);
    now += 59_999;
    expect(cache.get('a')).toBeDefined();
    now += 1;
    expect(cache.get('a')).toBeUndefined();
  });

  it('does not store a token that has already expired', () => {
    const cache = new VerifiedTokenCache(10, 60_000, clock);
    cache.set('a', principal('alice'), now);
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry when full', () => {
    const cache = new VerifiedTokenCache(2, 60_000, clock);
    cache.set('a', principal('alice'), now + 10_000);
    cache.set('b', principal('bob'), now + 10_000);
    // Reading `a` makes `b` the least recently used.
    expect(cache.get('a')).toBeDefined();
    cache.set('c', principal('carol'), now + 10_000);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.subject).toBe('alice');
    expect(cache.get('c')?.subject).toBe('carol');
  });

  it('replaces an entry stored again under the same token without growing', () => {
    const cache = new VerifiedTokenCache(2, 60_000, clock);
    cache.set('a', principal('alice'), now + 10_000);
    cache.set('a', principal('alice2'), now + 10_000);
    expect(cache.size).toBe(1);
    expect(cache.get('a')?.subject).toBe('alice2');
  });
});
