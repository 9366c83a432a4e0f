/** A named lease one replica holds at a time (the outbox relay's, for one). */
export interface HeldLease {
  readonly name: string;
  readonly owner: string;
  /** Grows with every acquisition by any owner (a bigint, as a string): a fencing token. */
  readonly token: string;
  /** UTC ISO-8601, the database's clock. */
  readonly expiresAt: string;
}

/**
 * Named leases with an expiry, in the database, so that exactly one replica does a singleton's
 * work and another takes over within one lease length when it dies or is cut off.
 */
export interface LeaseRepository {
  /**
   * Takes the lease when it is free or expired, or renews it when `owner` holds it (same token).
   * Null when another owner holds an unexpired lease. One statement.
   */
  acquire(name: string, owner: string, ttlMs: number): Promise<HeldLease | null>;
  /**
   * Extends a held lease; null (nothing changed) when `owner` no longer holds `token`, and also
   * once the lease has expired, even if nobody took it yet: from its expiry another replica may
   * take it at any moment, so the old holder stops and acquires again (with a new token).
   */
  renew(name: string, owner: string, token: string, ttlMs: number): Promise<HeldLease | null>;
  /** Lets it go at once (shutdown) when `owner` still holds `token`. */
  release(name: string, owner: string, token: string): Promise<void>;
}
