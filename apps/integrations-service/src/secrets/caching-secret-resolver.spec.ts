import { AuthRef } from '@stellaops/integrations-core';
import { CachingSecretResolver, RESOLUTION_ABORTED } from './caching-secret-resolver';
import type { SecretAccessContext } from './secret-access-context';
import { SecretResolutionError } from './secret-resolution.error';
import type { SecretResolver } from './secret-resolver';

const acme: SecretAccessContext = {
  tenantId: 'acme',
  integrationId: 'i-1',
  actor: 'alice',
  purpose: 'test',
};
const globex: SecretAccessContext = { ...acme, tenantId: 'globex' };
const TOKEN = AuthRef.parse('authref://remote/github/token');
const KEY = AuthRef.parse('authref://remote/github/app#privateKey');
const REFUSED = AuthRef.parse('authref://remote/forbidden/x');

interface Call {
  readonly ref: AuthRef;
  readonly context: SecretAccessContext;
  readonly signal: AbortSignal | undefined;
  resolve(value: string): void;
  reject(error: unknown): void;
}

/** A store whose every resolution waits until the spec settles it. */
class ScriptedStore implements SecretResolver {
  readonly store = 'remote';
  readonly calls: Call[] = [];
  /** When set, answers at once with `${value}:${tenant}:${uri}` instead of waiting. */
  value: string | undefined;

  refusal(ref: AuthRef): string | undefined {
    return ref.path.startsWith('forbidden/') ? 'forbidden by policy' : undefined;
  }

  resolve(ref: AuthRef, context: SecretAccessContext, signal?: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      this.calls.push({ ref, context, signal, resolve, reject });
      if (this.value !== undefined) resolve(`${this.value}:${context.tenantId}:${ref.uri}`);
    });
  }
}

describe('CachingSecretResolver', () => {
  let clock: number;
  let store: ScriptedStore;

  beforeEach(() => {
    clock = 1_000;
    store = new ScriptedStore();
  });

  function cache(ttlMs = 30_000, maxEntries = 100): CachingSecretResolver {
    return new CachingSecretResolver(store, { ttlMs, maxEntries, now: () => clock });
  }

  async function settle(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
  }

  it('answers again from memory within the TTL, and asks the store once it has passed', async () => {
    const cached = cache(30_000);
    store.value = 'v1';
    await expect(cached.resolve(TOKEN, acme)).resolves.toBe(`v1:acme:${TOKEN.uri}`);
    store.value = 'v2';
    clock += 29_999;
    await expect(cached.resolve(TOKEN, acme)).resolves.toBe(`v1:acme:${TOKEN.uri}`);
    expect(store.calls).toHaveLength(1);
    clock += 1;
    await expect(cached.resolve(TOKEN, acme)).resolves.toBe(`v2:acme:${TOKEN.uri}`);
    expect(store.calls).toHaveLength(2);
  });

  it('counts the TTL from when the resolution started, so a rotation is seen within the TTL', async () => {
    const cached = cache(10_000);
    const first = cached.resolve(TOKEN, acme);
    // The store takes 4 s to answer: the value is good for 6 s more, not 10.
    clock += 4_000;
    store.calls[0]?.resolve('old');
    await expect(first).resolves.toBe('old');
    clock += 5_999;
    store.value = 'new';
    await expect(cached.resolve(TOKEN, acme)).resolves.toBe('old');
    clock += 1;
    await expect(cached.resolve(TOKEN, acme)).resolves.toBe(`new:acme:${TOKEN.uri}`);
  });

  it('keys by tenant and by the whole reference', async () => {
    const cached = cache();
    store.value = 'v';
    await cached.resolve(TOKEN, acme);
    await expect(cached.resolve(TOKEN, globex)).resolves.toBe(`v:globex:${TOKEN.uri}`);
    await expect(cached.resolve(KEY, acme)).resolves.toBe(`v:acme:${KEY.uri}`);
    expect(store.calls.map((call) => [call.context.tenantId, call.ref.uri])).toEqual([
      ['acme', TOKEN.uri],
      ['globex', TOKEN.uri],
      ['acme', KEY.uri],
    ]);
    await cached.resolve(TOKEN, globex);
    expect(store.calls).toHaveLength(3);
  });

  it('resolves at every call with a TTL of 0, concurrent calls included', async () => {
    const cached = cache(0);
    store.value = 'v';
    await Promise.all([cached.resolve(TOKEN, acme), cached.resolve(TOKEN, acme)]);
    await cached.resolve(TOKEN, acme);
    expect(store.calls).toHaveLength(3);
    expect(cached.size).toBe(0);
  });

  it('shares one resolution between concurrent misses of a key', async () => {
    const cached = cache();
    const answers = Promise.all([1, 2, 3].map(() => cached.resolve(TOKEN, acme)));
    const other = cached.resolve(TOKEN, globex);
    expect(store.calls).toHaveLength(2);
    store.calls[0]?.resolve('shared');
    store.calls[1]?.resolve('own');
    await expect(answers).resolves.toEqual(['shared', 'shared', 'shared']);
    await expect(other).resolves.toBe('own');
  });

  it('never keeps a failure: concurrent callers share it, the next call asks again', async () => {
    const cached = cache();
    const failing = [cached.resolve(TOKEN, acme), cached.resolve(TOKEN, acme)];
    const down = new SecretResolutionError('Vault is sealed', { isTransient: true });
    store.calls[0]?.reject(down);
    for (const answer of failing) await expect(answer).rejects.toBe(down);
    expect(cached.size).toBe(0);
    store.value = 'back';
    await expect(cached.resolve(TOKEN, acme)).resolves.toBe(`back:acme:${TOKEN.uri}`);
    expect(store.calls).toHaveLength(2);
  });

  it('checks the policy at every call, before the cache and the store', async () => {
    const cached = cache();
    await expect(cached.resolve(REFUSED, acme)).rejects.toThrow(
      new SecretResolutionError('forbidden by policy'),
    );
    expect(cached.refusal(REFUSED, 'acme')).toBe('forbidden by policy');
    expect(store.calls).toHaveLength(0);
  });

  it('lets a caller give up without failing the others, and stops the resolution when all have', async () => {
    const cached = cache();
    const first = new AbortController();
    const second = new AbortController();
    const a = cached.resolve(TOKEN, acme, first.signal);
    const b = cached.resolve(TOKEN, acme, second.signal);
    const inner = store.calls[0];
    first.abort();
    await expect(a).rejects.toThrow(RESOLUTION_ABORTED);
    expect(inner?.signal?.aborted).toBe(false);
    second.abort();
    await expect(b).rejects.toMatchObject({ message: RESOLUTION_ABORTED, isTransient: true });
    expect(inner?.signal?.aborted).toBe(true);
    // The abandoned resolution is not joined: the next caller starts another.
    store.value = 'fresh';
    await expect(cached.resolve(TOKEN, acme)).resolves.toBe(`fresh:acme:${TOKEN.uri}`);
    expect(store.calls).toHaveLength(2);
    inner?.resolve('late');
    await settle();
    await expect(cached.resolve(TOKEN, acme)).resolves.toBe(`fresh:acme:${TOKEN.uri}`);
  });

  it('refuses an aborted caller before asking the store', async () => {
    const cached = cache();
    await expect(cached.resolve(TOKEN, acme, AbortSignal.abort())).rejects.toThrow(
      RESOLUTION_ABORTED,
    );
    expect(store.calls).toHaveLength(0);
  });

  it('holds at most maxEntries values, dropping the oldest', async () => {
    const cached = cache(30_000, 2);
    store.value = 'v';
    const refs = ['a', 'b', 'c'].map((name) => AuthRef.parse(`authref://remote/${name}`));
    for (const ref of refs) await cached.resolve(ref, acme);
    expect(cached.size).toBe(2);
    for (const ref of refs.slice(1)) await cached.resolve(ref, acme);
    expect(store.calls).toHaveLength(3);
    const [oldest] = refs;
    if (oldest === undefined) throw new Error('no reference');
    await cached.resolve(oldest, acme);
    expect(store.calls).toHaveLength(4);
  });

  it('forgets everything at shutdown, including what a resolution under way brings back', async () => {
    const cached = cache();
    store.value = 'v';
    await cached.resolve(TOKEN, acme);
    store.value = undefined;
    const underWay = cached.resolve(KEY, acme);
    cached.onApplicationShutdown();
    expect(cached.size).toBe(0);
    store.calls[1]?.resolve('late');
    await expect(underWay).resolves.toBe('late');
    expect(cached.size).toBe(0);
  });

  it('drops expired values without waiting to be asked', async () => {
    jest.useFakeTimers();
    try {
      const cached = new CachingSecretResolver(store, {
        ttlMs: 1_000,
        maxEntries: 10,
        now: () => clock,
      });
      store.value = 'v';
      await cached.resolve(TOKEN, acme);
      expect(cached.size).toBe(1);
      clock += 1_000;
      jest.advanceTimersByTime(1_000);
      expect(cached.size).toBe(0);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
