import type { HealthStatus } from '@stellaops/integrations-core';

export interface NewHealthHistoryEntry {
  readonly tenantId: string;
  readonly integrationId: string;
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

export interface HealthHistoryEntry extends NewHealthHistoryEntry {
  readonly id: string;
}

/** One row per test or check; only the newest `healthHistoryLimit` per registration are kept. */
export interface HealthHistoryRepository {
  /**
   * Stores the entry, then prunes the registration's history down to the limit.
   * @throws NotFoundError when the registration does not exist
   */
  append(entry: NewHealthHistoryEntry): Promise<void>;
  /** Newest first. */
  list(tenantId: string, integrationId: string, limit: number): Promise<HealthHistoryEntry[]>;
}
