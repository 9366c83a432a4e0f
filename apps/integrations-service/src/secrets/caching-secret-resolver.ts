import type { OnApplicationShutdown } from '@nestjs/common';
import type { AuthRef } from '@stellaops/integrations-core';
import type { SecretAccessContext } from './secret-access-context';
import { SecretResolutionError } from './secret-resolution.error';
import type { SecretResolver } from './secret-resolver';

export interface SecretCacheOptions {
  /** How long a value is used again, counted from when its resolution started; 0: never. */
  readonly ttlMs: number;
  /** The most values kept; the oldest goes first. */
  readonly maxEntries: number;
  /** Milliseconds on a monotonic clock. */
  readonly now?: () => number;
}

interface Entry {
  readonly value: string;
  readonly expiresAt: number;
}

/** One resolution that every concurrent caller of the same key waits for. */
interface Flight {
  readonly key: string;
  readonly promise: Promise<string>;
  readonly controller: AbortController;
  waiters: number;
  settled: boolean;
  /** Given up by every caller: whatever it brings back is not kept. */
  abandoned: boolean;
}

export const RESOLUTION_ABORTED = 'the resolution was aborted';

/**
 * A remote store's values, kept in memory for a short time (SECRETS_CACHE_TTL_MS) so that every
 * check does not ask Vault or the Authority again; keyed by tenant and reference, so a tenant only
 * ever gets what was resolved for itself. A value expires TTL after its resolution *started*: a
 * secret rotated at time T is used by every resolution from T + TTL on. Failures are never kept.
 * Concurrent callers of a key that is not cached share one resolution (which stops when every one
 * of them has given up). Values are never written anywhere; expired ones are dropped within a
 * TTL, and all of them at shutdown. With a TTL of 0 every call resolves.
 */
export class CachingSecretResolver implements SecretResolver, OnApplicationShutdown {
  readonly store: string;
  private readonly entries = new Map<string, Entry>();
  private readonly flights = new Map<string, Flight>();
  private readonly now: () => number;
  /** Bumped by `clear`: a resolution started before it does not fill the cache after it. */
  private generation = 0;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly inner: SecretResolver,
    private readonly options: SecretCacheOptions,
  ) {
    this.store = inner.store;
    this.now = options.now ?? (() => performance.now());
  }

  refusal(ref: AuthRef, tenantId: string): string | undefined {
    return this.inner.refusal(ref, tenantId);
  }

  async resolve(ref: AuthRef, context: SecretAccessContext, signal?: AbortSignal): Promise<string> {
    // The policy is checked at every call, cached value or not.
    const refused = this.inner.refusal(ref, context.tenantId);
    if (refused !== undefined) throw new SecretResolutionError(refused);
    if (this.options.ttlMs === 0) return this.inner.resolve(ref, context, signal);
    if (signal?.aborted) throw new SecretResolutionError(RESOLUTION_ABORTED, { isTransient: true });
    const key = `${context.tenantId}\u0000${ref.uri}`;
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      if (entry.expiresAt > now) return entry.value;
      this.entries.delete(key);
    }
    const flight = this.flights.get(key) ?? this.start(key, ref, context, now);
    return this.wait(flight, signal);
  }

  /** How many values are kept now (expired ones included until they are dropped). */
  get size(): number {
    return this.entries.size;
  }

  /** Forgets every value, and lets no resolution under way fill the cache. */
  clear(): void {
    this.generation += 1;
    this.entries.clear();
    this.stopSweeping();
  }

  onApplicationShutdown(): void {
    this.clear();
  }

  private start(key: string, ref: AuthRef, context: SecretAccessContext, startedAt: number) {
    const controller = new AbortController();
    const generation = this.generation;
    const flight: Flight = {
      key,
      controller,
      waiters: 0,
      settled: false,
      abandoned: false,
      promise: this.inner.resolve(ref, context, controller.signal).then(
        (value) => {
          flight.settled = true;
          if (this.flights.get(key) === flight) this.flights.delete(key);
          if (!flight.abandoned && generation === this.generation) {
            this.keep(key, value, startedAt);
          }
          return value;
        },
        (error: unknown) => {
          flight.settled = true;
          if (this.flights.get(key) === flight) this.flights.delete(key);
          throw error;
        },
      ),
    };
    this.flights.set(key, flight);
    return flight;
  }

  private wait(flight: Flight, signal: AbortSignal | undefined): Promise<string> {
    flight.waiters += 1;
    return new Promise<string>((resolve, reject) => {
      let waiting = true;
      const leave = (): boolean => {
        if (!waiting) return false;
        waiting = false;
        signal?.removeEventListener('abort', onAbort);
        flight.waiters -= 1;
        return true;
      };
      const onAbort = () => {
        if (!leave()) return;
        if (flight.waiters === 0 && !flight.settled) {
          // Nobody waits for it any more: stop it, and let the next caller start afresh.
          flight.abandoned = true;
          if (this.flights.get(flight.key) === flight) this.flights.delete(flight.key);
          flight.controller.abort();
        }
        reject(new SecretResolutionError(RESOLUTION_ABORTED, { isTransient: true }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (value) => {
          if (leave()) resolve(value);
        },
        (error: unknown) => {
          if (leave()) reject(error);
        },
      );
    });
  }

  private keep(key: string, value: string, startedAt: number): void {
    const expiresAt = startedAt + this.options.ttlMs;
    if (expiresAt <= this.now()) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.options.maxEntries) break;
      this.entries.delete(oldest);
    }
    this.startSweeping();
  }

  /** Drops expired values without waiting for their key to be asked for again. */
  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
    if (this.entries.size === 0) this.stopSweeping();
  }

  private startSweeping(): void {
    if (this.sweeper !== undefined) return;
    this.sweeper = setInterval(() => this.sweep(), Math.max(this.options.ttlMs, 1_000));
    this.sweeper.unref();
  }

  private stopSweeping(): void {
    if (this.sweeper === undefined) return;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
