import type { HeldLease, LeaseRepository } from '@stellaops/integrations-persistence';

export const RELAY_LEASE_NAME = 'outbox-relay';

export type LeaseChange =
  | { readonly kind: 'acquired'; readonly lease: HeldLease }
  | { readonly kind: 'lost'; readonly reason: string };

/**
 * This replica's view of the relay's database lease. The lease is valid here until the ttl has
 * passed on this process's monotonic clock since the last acquire or renew that succeeded was
 * *sent*: the database set its expiry to its own now + ttl when it ran the statement, which was
 * no earlier, so this replica stops believing it holds the lease before any other replica can
 * take it. Renewals that fail (the database unreachable) leave the deadline where it was; once it
 * passes, the lease is lost here as well. A renewal answered with null (another owner holds a
 * newer token) loses it at once.
 */
export class RelayLease {
  private held: HeldLease | undefined;
  private validUntil = 0;

  constructor(
    private readonly leases: LeaseRepository,
    readonly owner: string,
    readonly ttlMs: number,
    private readonly onChange: (change: LeaseChange) => void,
    private readonly clock: () => number = () => performance.now(),
    readonly name: string = RELAY_LEASE_NAME,
  ) {}

  /** True while this replica may publish. */
  get isHeld(): boolean {
    if (this.held === undefined) return false;
    if (this.clock() < this.validUntil) return true;
    this.lose(`not renewed within its ${this.ttlMs} ms`);
    return false;
  }

  /** The fencing token of the lease held, if one is. */
  get token(): string | undefined {
    return this.isHeld ? this.held?.token : undefined;
  }

  /**
   * Holds the lease after this: acquires it when free or expired (a standby's attempt), renews it
   * when held. Returns whether it is held. Rejects only when the database did not answer; the
   * lease then stays held until its deadline passes.
   */
  async refresh(): Promise<boolean> {
    const sentAt = this.clock();
    const current = this.isHeld ? this.held : undefined;
    const lease =
      current === undefined
        ? await this.leases.acquire(this.name, this.owner, this.ttlMs)
        : await this.leases.renew(this.name, this.owner, current.token, this.ttlMs);
    if (lease === null) {
      if (current !== undefined) this.lose('another replica holds it now');
      return false;
    }
    // A renewal that answers after the deadline came too late: publishing has stopped, and
    // another replica may have published since. Start afresh as a new holder.
    const wasHeld = this.isHeld;
    this.held = lease;
    this.validUntil = sentAt + this.ttlMs;
    if (!wasHeld) this.onChange({ kind: 'acquired', lease });
    return true;
  }

  /** Gives the lease up at once (shutdown), so that a standby takes over at its next poll. */
  async release(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    this.validUntil = 0;
    if (held !== undefined) await this.leases.release(this.name, this.owner, held.token);
  }

  private lose(reason: string): void {
    if (this.held === undefined) return;
    this.held = undefined;
    this.validUntil = 0;
    this.onChange({ kind: 'lost', reason });
  }
}
