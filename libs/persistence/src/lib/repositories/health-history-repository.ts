import type { HealthStatus } from '@stellaops/integrations-core';

/** What the history keeps of one check's result. */
export interface HealthCheckRecord {
  readonly status: HealthStatus;
  readonly success: boolean;
  readonly phase: string | null;
  readonly isTransient: boolean;
  readonly message: string;
  readonly durationMs: number;
  /** UTC ISO-8601. */
  readonly checkedAt: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface NewHealthHistoryEntry extends HealthCheckRecord {
  readonly tenantId: string;
  readonly integrationId: string;
}

export interface HealthHistoryEntry extends NewHealthHistoryEntry {
  readonly id: string;
}

/**
 * One row per test or check. `append` keeps at most `healthHistoryLimit` per registration at once;
 * `prune` enforces the age bound (and the count) across all of them.
 */
export interface HealthHistoryRepository {
  /**
   * Stores the entry, then prunes the registration's history down to the limit.
   * @throws NotFoundError when the registration does not exist
   */
  append(entry: NewHealthHistoryEntry): Promise<void>;
  /** Newest first. */
  list(tenantId: string, integrationId: string, limit: number): Promise<HealthHistoryEntry[]>;
  /**
   * Availability over each window ending now (the database's clock), in one statement that reads
   * only the entries inside the largest window plus the one before it.
   */
  availability(
    tenantId: string,
    integrationId: string,
    windowsSeconds: readonly number[],
  ): Promise<AvailabilityWindow[]>;
  /**
   * Enforces the retention on every registration: removes up to `batchLimit` entries that are
   * older than the age bound or beyond the newest `maxEntries`; returns how many it removed
   * (call again while it returns `batchLimit`).
   */
  prune(retention: HealthHistoryRetention, batchLimit: number): Promise<number>;
}

/** How much history is kept: both bounds apply. */
export interface HealthHistoryRetention {
  /** Entries kept per registration, newest first. */
  readonly maxEntries: number;
  /** Entries older than this are removed. */
  readonly maxAgeSeconds: number;
}

/** Availability over one window, computed from the history. */
export interface AvailabilityWindow {
  readonly windowSeconds: number;
  /**
   * The share (0..1) of the window's known time during which the registration was up (healthy
   * or degraded); each entry's status holds until the next entry (the last one until now).
   * Null when no entry covers any of the window.
   */
  readonly availability: number | null;
  /** Entries inside the window. */
  readonly checks: number;
  readonly upSeconds: number;
  readonly downSeconds: number;
  /** Time in the window covered by `unknown` entries or before the first entry. */
  readonly unknownSeconds: number;
}
