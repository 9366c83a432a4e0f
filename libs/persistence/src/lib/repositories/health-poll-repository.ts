import type { HealthStatus, Integration } from '@stellaops/integrations-core';
import type { HealthCheckRecord } from './health-history-repository';

/** A registration claimed by one poller replica for one check. */
export interface ClaimedCheck {
  /** As stored (credentials decoded, or `credentialsUnreadable` set). */
  readonly integration: Integration;
  /**
   * The fencing token of this claim (a bigint, as a string): every claim of any row takes a new,
   * larger one. A result is recorded only with the token of the row's current, unexpired lease.
   */
  readonly leaseToken: string;
  /** When the check was due (`next_check_at` when claimed), UTC ISO-8601. */
  readonly dueAt: string;
  /** When the lease expires, UTC ISO-8601 (the database's clock). */
  readonly leaseUntil: string;
}

export interface ClaimDueRequest {
  /** The replica's id, stored as `lease_owner`. */
  readonly owner: string;
  /** The lease's length from the database's `now()`. */
  readonly leaseMs: number;
  /** At most this many rows in all (0..1000): the replica's free capacity. */
  readonly limit: number;
  /**
   * Only registrations of these (type, provider) pairs are claimed, at most `limit` (>= 0) of
   * each (the replica's free capacity for that provider); at most 1000 in all. A replica that
   * lacks a plugin leaves its rows alone. Empty: nothing is claimed. A pair listed twice is
   * refused (InputError).
   */
  readonly plugins: readonly { type: string; provider: string; limit: number }[];
}

/** A poll's outcome, written under the claim's fencing token. */
export interface PolledResult {
  readonly tenantId: string;
  readonly integrationId: string;
  readonly leaseToken: string;
  /** The registration's health after the check (the status model's verdict). */
  readonly health: HealthStatus;
  /** The failure streak after the check. */
  readonly consecutiveFailures: number;
  /** When it is due next, UTC ISO-8601. */
  readonly nextCheckAt: string;
  /** The check's own result, kept in the history. */
  readonly result: HealthCheckRecord;
}

export interface AcceptedPoll {
  /** As stored after the write. */
  readonly integration: Integration;
  readonly previousHealth: HealthStatus;
  readonly input: PolledResult;
}

export interface RecordPolledOutcome {
  /** Written: the registration's row updated and one history entry appended, in input order. */
  readonly accepted: readonly AcceptedPoll[];
  /**
   * Not written, by integration id: the lease expired or was taken by a newer claim, the
   * registration was disabled or deleted meanwhile. Nothing of these is stored.
   */
  readonly discarded: readonly string[];
}

export interface PollerLag {
  /** Live, enabled registrations whose check is due and not claimed. */
  readonly overdue: number;
  /** How long the oldest of them has been due; 0 when none is. */
  readonly oldestOverdueSeconds: number;
}

/**
 * The health poller's shared schedule. Each registration's next check lives in its row
 * (`next_check_at`); replicas claim due rows with `FOR UPDATE SKIP LOCKED` under a lease with
 * an expiry (a dead replica's claims come back) and a fencing token (a late result of an expired
 * claim is discarded, never recorded over a newer one).
 */
export interface HealthPollRepository {
  /**
   * Claims due rows, oldest due first within each plugin: live (not deleted), not disabled, not
   * under an unexpired lease. One statement.
   */
  claimDue(request: ClaimDueRequest): Promise<ClaimedCheck[]>;
  /**
   * Records a batch of results: for each one whose row still holds that token under an unexpired
   * lease and is live and not disabled, updates health, message, last check, failure streak and
   * next check, clears the lease, and appends the history entry (batched: a fixed number of
   * statements per call, not per result). Use it inside a transaction, where the caller also
   * appends the events of the accepted ones. A second result for the same registration in one
   * batch, and one whose id or token is malformed, is discarded.
   */
  recordPolled(results: readonly PolledResult[]): Promise<RecordPolledOutcome>;
  /**
   * Gives back claims not run (a replica shutting down): the rows become claimable at once and
   * keep their due time. Only rows still held with these tokens are touched.
   */
  release(claims: readonly { integrationId: string; leaseToken: string }[]): Promise<void>;
  /** One statement, by the database's clock. */
  lag(): Promise<PollerLag>;
}
