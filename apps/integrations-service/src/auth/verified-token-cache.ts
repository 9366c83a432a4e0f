import type { Principal } from './principal';

interface Entry {
  readonly principal: Principal;
  readonly expiresAtMs: number;
}

/**
 * The principals of recently verified tokens, keyed by the raw token, so that a client repeating
 * its token skips signature verification. Bounded: the least recently used entry goes first.
 * Only successes are kept; an entry never outlives its token's `exp`.
 */
export class VerifiedTokenCache {
  // A Map iterates in insertion order; re-inserting on a hit makes its first key the LRU one.
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly maxEntries: number,
    readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string): Principal | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    this.entries.delete(token);
    if (entry.expiresAtMs <= this.now()) return undefined;
    this.entries.set(token, entry);
    return entry.principal;
  }

  /** Keeps `principal` until the token's expiry or `maxAgeMs` from now, whichever is first. */
  set(token: string, principal: Principal, tokenExpiresAtMs: number): void {
    const expiresAtMs = Math.min(tokenExpiresAtMs, this.now() + this.maxAgeMs);
    if (expiresAtMs <= this.now() || this.maxEntries <= 0) return;
    this.entries.delete(token);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { principal, expiresAtMs });
  }

  clear(): void {
    this.entries.clear();
  }
}
