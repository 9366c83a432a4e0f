import type {
  HealthStatus,
  Integration,
  IntegrationPatch,
  IntegrationProvider,
  IntegrationStatus,
  IntegrationType,
} from '@stellaops/integrations-core';

/** What `insert` stores; status starts `pending` and health `unknown` unless given. */
export interface NewIntegrationRecord {
  /** A uuid; generated when absent. */
  readonly id?: string;
  readonly tenantId: string;
  readonly name: string;
  readonly type: IntegrationType;
  readonly provider: IntegrationProvider;
  readonly endpoint: string;
  /** The settings, secret ones with their plain value. */
  readonly settings: Readonly<Record<string, unknown>>;
  /**
   * The names of the settings the plugin's schema marks secret (`writeOnly`): those present in
   * `settings` are sealed at rest and listed in `Integration.secretSettings`. Default: none.
   */
  readonly secretSettings?: readonly string[];
  /** Slot -> AuthRef URI. */
  readonly credentials: Readonly<Record<string, string>>;
  readonly healthCheckIntervalSeconds: number;
  /** Stored normalized (trimmed, de-duplicated, sorted). */
  readonly tags: readonly string[];
  readonly createdBy: string;
  readonly status?: IntegrationStatus;
}

/** The position after which a page starts: the last item of the previous page. */
export interface IntegrationCursor {
  readonly name: string;
  readonly id: string;
}

/** What `update` applies: the fields present, and who changed them. */
export type IntegrationRecordPatch = IntegrationPatch & {
  readonly updatedBy: string;
  /**
   * With `settings`: the names of the settings the plugin's schema marks secret, sealed as in
   * `NewIntegrationRecord.secretSettings`. `settings` replaces the stored settings as a whole,
   * secret ones included (keeping a secret setting the caller left out is the caller's to do).
   * Ignored without `settings`; default none.
   */
  readonly secretSettings?: readonly string[];
};

export interface IntegrationListQuery {
  readonly tenantId: string;
  readonly type?: IntegrationType;
  readonly provider?: IntegrationProvider;
  readonly status?: IntegrationStatus;
  readonly health?: HealthStatus;
  /** Registrations carrying this tag. */
  readonly tag?: string;
  /** A case-insensitive substring of the name (ASCII letters fold; others match exactly). */
  readonly q?: string;
  readonly limit: number;
  readonly after?: IntegrationCursor;
}

export interface IntegrationPage {
  /** Ordered by name (byte order), then id. */
  readonly items: Integration[];
  /** Pass as `after` for the next page; null on the last page. */
  readonly next: IntegrationCursor | null;
}

export interface IntegrationHealthUpdate {
  /** The registration's health after the check (the core status model's `assessHealth`). */
  readonly status: HealthStatus;
  /** The failure streak after the check (from `assessHealth`). */
  readonly consecutiveFailures: number;
  /** When the next check is due, UTC ISO-8601. */
  readonly nextCheckAt: string;
  readonly message: string;
  /** UTC ISO-8601. */
  readonly checkedAt: string;
  /** Whether the check passed. The row takes `status` and `consecutiveFailures` as given. */
  readonly success: boolean;
  /**
   * Also moves the registration's status (e.g. `pending` -> `active` after a passing test), unless
   * it is `disabled` when the row is locked: only a caller's update re-enables a registration.
   */
  readonly integrationStatus?: IntegrationStatus;
}

export interface RecordedHealth {
  readonly integration: Integration;
  readonly previousHealth: HealthStatus;
}

/**
 * The catalog's registrations. Every method is scoped to a tenant: another tenant's id answers
 * exactly as a missing one. Soft-deleted registrations are invisible.
 */
export interface IntegrationRepository {
  /**
   * @throws ConflictError when a live registration of the tenant already has that name;
   * InputError for a secret setting shaped like a sealed value (see `CredentialsCodec`)
   */
  insert(record: NewIntegrationRecord): Promise<Integration>;
  /**
   * Null for a missing, deleted or other tenant's id, and for an id that is not a uuid. With
   * `forUpdate` (inside a transaction) the row stays locked until commit.
   */
  findById(
    tenantId: string,
    id: string,
    options?: { readonly forUpdate?: boolean },
  ): Promise<Integration | null>;
  /** One keyset page: `limit` items at most, and the cursor of the next page. */
  list(query: IntegrationListQuery): Promise<IntegrationPage>;
  /**
   * Applies the fields present in `patch`, bumps `version` and `updatedAt`. Disabling the
   * registration or giving a new endpoint, settings or credentials also takes a new lease token
   * and clears the lease (as `recordHealth` does), so that a poll in flight, which checked what
   * no longer exists, is discarded; the row keeps its due time and is claimable at once.
   * @param expectedVersion the caller's `If-Match`: the update happens only at that version
   * @throws NotFoundError, PreconditionFailedError (version moved on), ConflictError (name
   * taken), InputError (a secret setting shaped like a sealed value)
   */
  update(
    tenantId: string,
    id: string,
    patch: IntegrationRecordPatch,
    expectedVersion?: number,
  ): Promise<Integration>;
  /**
   * Marks it deleted (its name becomes free) and bumps `version`; returns it as it was deleted.
   * @throws NotFoundError, PreconditionFailedError
   */
  softDelete(
    tenantId: string,
    id: string,
    deletedBy: string,
    expectedVersion?: number,
  ): Promise<Integration>;
  /**
   * Stores the outcome of a test or check run outside the poller: health, message, time, the
   * failure streak and the next check time. It also takes a new lease token and clears any lease,
   * so that a poll of the same row still in flight is discarded rather than recorded over this
   * newer result. Does not bump `version`, which tracks user edits (ETag). Null when there is no
   * such live registration.
   */
  recordHealth(
    tenantId: string,
    id: string,
    result: IntegrationHealthUpdate,
  ): Promise<RecordedHealth | null>;
  /** Live registrations of the tenant. */
  count(tenantId: string): Promise<number>;
}
