import type { HealthStatus } from '@stellaops/integrations-core';
import { InputError, isUuid } from '@stellaops/integrations-core';
import type { CredentialsCodec } from '../credentials-codec';
import { perSchema } from '../sql/per-schema';
import type { SqlExecutor } from '../sql/sql-executor';
import type { TableNames } from '../sql/sql-identifiers';
import { toIso } from '../sql/timestamps';
import { assertNumber } from './assert-number';
import type {
  AcceptedPoll,
  ClaimDueRequest,
  ClaimedCheck,
  HealthPollRepository,
  PolledResult,
  PollerLag,
  RecordPolledOutcome,
} from './health-poll-repository';
import type { IntegrationRow } from './integration-row';
import { integrationColumns, toIntegration } from './integration-row';
import { isLeaseToken } from './lease-token';

/** The most rows one claim takes, whatever the replica's capacity (a bound on one statement). */
const MAX_CLAIM = 1000;

/** A lease longer than this is a mistake (a unit error), not a plan: about 24 days. */
const MAX_LEASE_MS = 2_147_483_647;

interface ClaimRow extends IntegrationRow {
  lease_token: string;
  due_at: string;
  lease_until: string;
}

interface PolledRow extends IntegrationRow {
  previous_health: string;
  ord: number;
}

export interface HealthPollStatements {
  readonly claimDue: string;
  readonly recordPolled: string;
  readonly pruneHistory: string;
  readonly release: string;
  readonly lag: string;
}

/**
 * Lease times are the statement's start on the database's clock (`statement_timestamp()`), not
 * `now()`: inside a long transaction `now()` is the transaction's start, which would shorten a
 * new lease and stretch an old one's life. Every replica reads the one clock, so their own
 * clocks' drift does not matter.
 */
const CLOCK = 'statement_timestamp()';

/** A row a claim may take: live, enabled, due, and not under an unexpired lease. */
function claimable(alias: string): string {
  return `${alias}."deleted_at" IS NULL AND ${alias}."status" <> 'disabled'
      AND ${alias}."next_check_at" <= ${CLOCK}
      AND (${alias}."lease_until" IS NULL OR ${alias}."lease_until" < ${CLOCK})`;
}

export function buildHealthPollStatements(tables: TableNames): HealthPollStatements {
  const t = tables.integrations;
  const h = tables.healthHistory;
  return {
    // Per plugin, the oldest due rows in ix_integrations_due order, locked with SKIP LOCKED so
    // that a concurrent claimer passes over them instead of waiting; a row another claimer took
    // and committed meanwhile is re-checked on its new version (its lease) and dropped. The
    // claims of all plugins are then cut to $3, oldest due first. Rows locked by a plugin's
    // subquery but cut by $3 are unlocked when the statement's transaction ends, unchanged.
    // $1 owner, $2 lease ms, $3 limit, $4/$5/$6 the plugins' types, providers and limits.
    claimDue: `WITH "wanted" AS (
        SELECT w."type", w."provider", w."limit"
        FROM unnest($4::text[], $5::text[], $6::integer[]) AS w("type", "provider", "limit")
      ),
      "due" AS (
        SELECT d."id", d."next_check_at" FROM "wanted" AS w
        CROSS JOIN LATERAL (
          SELECT i."id", i."next_check_at" FROM ${t} AS i
          WHERE i."type" = w."type" AND i."provider" = w."provider" AND ${claimable('i')}
          ORDER BY i."next_check_at"
          LIMIT w."limit"
          FOR UPDATE SKIP LOCKED
        ) AS d
        ORDER BY d."next_check_at"
        LIMIT $3
      ),
      "claimed" AS (
        UPDATE ${t} AS i SET
          "lease_owner" = $1,
          "lease_until" = ${CLOCK} + $2::integer * interval '1 millisecond',
          "lease_token" = nextval('${tables.leaseTokens}')
        FROM "due"
        WHERE i."id" = "due"."id"
        RETURNING ${integrationColumns('i')}, i."lease_token"::text AS "lease_token",
          i."next_check_at" AS "due_at", i."lease_until"
      )
      SELECT * FROM "claimed" ORDER BY "due_at", "id"`,
    // $1: the batch as a jsonb array (see recordPolled). The rows still held under the result's
    // token, unexpired, live and enabled are locked first, in id order (two batches lock in one
    // order), and their health read under the lock: PostgreSQL 15 has no RETURNING old.*. A
    // concurrent write to one of them (a re-claim, recordHealth, a disable) is waited for and
    // the conditions re-checked on its new version, so a row re-claimed meanwhile is left out.
    // Only the rows written get their history entry.
    recordPolled: `WITH "input" AS (
        SELECT r.* FROM jsonb_to_recordset($1::jsonb) AS r(
          "ord" integer, "tenant_id" text, "integration_id" uuid, "lease_token" bigint,
          "health" text, "consecutive_failures" integer, "next_check_at" timestamptz,
          "status" text, "success" boolean, "phase" text, "is_transient" boolean,
          "message" text, "duration_ms" integer, "checked_at" timestamptz, "details" jsonb)
      ),
      "previous" AS (
        SELECT i."id", i."health", r."ord" FROM ${t} AS i
        JOIN "input" AS r ON i."id" = r."integration_id" AND i."tenant_id" = r."tenant_id"
          AND i."lease_token" = r."lease_token"
        WHERE i."lease_until" > ${CLOCK} AND i."deleted_at" IS NULL AND i."status" <> 'disabled'
        ORDER BY i."id"
        FOR UPDATE OF i
      ),
      "written" AS (
        UPDATE ${t} AS i SET
          "health" = r."health",
          "last_health_message" = r."message",
          "last_checked_at" = r."checked_at",
          "consecutive_failures" = r."consecutive_failures",
          "next_check_at" = r."next_check_at",
          "lease_owner" = NULL,
          "lease_until" = NULL
        FROM "previous" AS p JOIN "input" AS r ON r."ord" = p."ord"
        WHERE i."id" = p."id"
        RETURNING ${integrationColumns('i')}, p."health" AS "previous_health", p."ord"
      ),
      "history" AS (
        INSERT INTO ${h} ("tenant_id", "integration_id", "status", "success", "phase",
          "is_transient", "message", "duration_ms", "checked_at", "details")
        SELECT w."tenant_id", w."id", r."status", r."success", r."phase", r."is_transient",
          r."message", r."duration_ms", r."checked_at", r."details"
        FROM "written" AS w JOIN "input" AS r ON r."ord" = w."ord"
      )
      SELECT * FROM "written" ORDER BY "ord"`,
    // The history beyond the newest $2 of each registration in $1 (those recordPolled wrote
    // to), walked newest first on ix_health_history_integration. A statement of its own: the
    // one that inserts cannot see its own new rows.
    pruneHistory: `DELETE FROM ${h} AS h USING (
        SELECT x."id" FROM unnest($1::uuid[]) AS a("integration_id")
        CROSS JOIN LATERAL (
          SELECT e."id" FROM ${h} AS e WHERE e."integration_id" = a."integration_id"
          ORDER BY e."checked_at" DESC, e."id" DESC OFFSET $2
        ) AS x
      ) AS d
      WHERE h."id" = d."id"`,
    // The due time stays: a released row is claimable again at once.
    release: `UPDATE ${t} AS i SET "lease_owner" = NULL, "lease_until" = NULL
      FROM unnest($1::uuid[], $2::bigint[]) AS c("id", "token")
      WHERE i."id" = c."id" AND i."lease_token" = c."token"`,
    lag: `SELECT count(*)::integer AS "overdue",
        COALESCE(EXTRACT(EPOCH FROM ${CLOCK} - min(i."next_check_at")), 0)::float8 AS "oldest_seconds"
      FROM ${t} AS i WHERE ${claimable('i')}`,
  };
}

const statementsFor = perSchema(buildHealthPollStatements);

/** What recordPolled sends for one result: the columns of its jsonb recordset. */
interface PolledInput {
  readonly ord: number;
  readonly tenant_id: string;
  readonly integration_id: string;
  readonly lease_token: string;
  readonly health: HealthStatus;
  readonly consecutive_failures: number;
  readonly next_check_at: string;
  readonly status: HealthStatus;
  readonly success: boolean;
  readonly phase: string | null;
  readonly is_transient: boolean;
  readonly message: string;
  readonly duration_ms: number;
  readonly checked_at: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** The poller's claims and results over SQL: a fixed number of statements per call. */
export class SqlHealthPollRepository implements HealthPollRepository {
  private readonly sql: HealthPollStatements;

  /** @param historyLimit entries kept per registration (the database's `healthHistoryLimit`) */
  constructor(
    private readonly db: SqlExecutor,
    tables: TableNames,
    private readonly codec: CredentialsCodec,
    private readonly historyLimit: number,
  ) {
    this.sql = statementsFor(tables);
  }

  /**
   * Run it on its own (the Database's repository, autocommit), not inside a longer transaction:
   * the claim's locks, including those of rows it passed over, last until its transaction ends,
   * and other replicas skip those rows meanwhile.
   * @throws InputError for an owner that is empty, a lease or limit out of range, or a
   *   (type, provider) listed twice
   */
  async claimDue(request: ClaimDueRequest): Promise<ClaimedCheck[]> {
    if (request.owner.trim() === '') {
      throw new InputError('a claim needs the replica id as its owner', [
        { path: '/owner', message: 'must not be empty' },
      ]);
    }
    assertNumber('leaseMs', request.leaseMs, { min: 1, max: MAX_LEASE_MS });
    assertNumber('limit', request.limit, { min: 0, max: MAX_CLAIM });
    const seen = new Set<string>();
    request.plugins.forEach((plugin, index) => {
      assertNumber(`plugins/${index}/limit`, plugin.limit, { min: 0 });
      const key = JSON.stringify([plugin.type, plugin.provider]);
      if (seen.has(key)) {
        throw new InputError(`plugin ${plugin.type}/${plugin.provider} is listed twice`, [
          { path: `/plugins/${index}`, message: 'each (type, provider) at most once' },
        ]);
      }
      seen.add(key);
    });
    // A plugin's own capacity above the overall limit could never be used.
    const plugins = request.plugins
      .map((plugin) => ({ ...plugin, limit: Math.min(plugin.limit, request.limit) }))
      .filter((plugin) => plugin.limit > 0);
    if (plugins.length === 0) return [];
    const rows = await this.db.rows<ClaimRow>(this.sql.claimDue, [
      request.owner,
      request.leaseMs,
      request.limit,
      plugins.map((plugin) => plugin.type),
      plugins.map((plugin) => plugin.provider),
      plugins.map((plugin) => plugin.limit),
    ]);
    return rows.map((row) => ({
      integration: toIntegration(row, this.codec),
      leaseToken: row.lease_token,
      dueAt: toIso(row.due_at),
      leaseUntil: toIso(row.lease_until),
    }));
  }

  /**
   * One statement writes the rows, reads their previous health and appends their history; one
   * more prunes the history of the rows written (none when nothing was). A result whose id is
   * not a uuid or whose token is not one this repository hands out is discarded unsent, and so
   * is a second result for the same registration (tenant and id) in one batch: the first one
   * clears the lease the second would need.
   * @throws InputError when a result's failure streak is not a non-negative integer
   */
  async recordPolled(results: readonly PolledResult[]): Promise<RecordPolledOutcome> {
    // The results sent, by their `ord` in the batch, and where each is in `results`.
    const sent: number[] = [];
    const inputs: PolledInput[] = [];
    const keys = new Set<string>();
    results.forEach((result, index) => {
      assertNumber(`results/${index}/consecutiveFailures`, result.consecutiveFailures, {
        min: 0,
      });
      const id = result.integrationId.toLowerCase();
      const key = JSON.stringify([result.tenantId, id]);
      if (!isUuid(id) || !isLeaseToken(result.leaseToken) || keys.has(key)) return;
      keys.add(key);
      inputs.push({
        ord: sent.length,
        tenant_id: result.tenantId,
        integration_id: id,
        lease_token: result.leaseToken,
        health: result.health,
        consecutive_failures: result.consecutiveFailures,
        next_check_at: result.nextCheckAt,
        status: result.result.status,
        success: result.result.success,
        phase: result.result.phase,
        is_transient: result.result.isTransient,
        message: result.result.message,
        duration_ms: Math.max(0, Math.round(result.result.durationMs)),
        checked_at: result.result.checkedAt,
        details: result.result.details,
      });
      sent.push(index);
    });
    const accepted: AcceptedPoll[] = [];
    const written = new Set<number>();
    if (inputs.length > 0) {
      const rows = await this.db.rows<PolledRow>(this.sql.recordPolled, [JSON.stringify(inputs)]);
      for (const row of rows) {
        const index = sent[row.ord];
        const input = index === undefined ? undefined : results[index];
        if (index === undefined || input === undefined) {
          throw new Error(
            `recordPolled got back a row for no result of the batch (ord ${row.ord})`,
          );
        }
        written.add(index);
        accepted.push({
          integration: toIntegration(row, this.codec),
          previousHealth: row.previous_health as HealthStatus,
          input,
        });
      }
      if (rows.length > 0) {
        await this.db.rows(this.sql.pruneHistory, [rows.map((row) => row.id), this.historyLimit]);
      }
    }
    return {
      accepted,
      discarded: results
        .filter((_, index) => !written.has(index))
        .map((result) => result.integrationId),
    };
  }

  async release(claims: readonly { integrationId: string; leaseToken: string }[]): Promise<void> {
    const valid = claims.filter(
      (claim) => isUuid(claim.integrationId) && isLeaseToken(claim.leaseToken),
    );
    if (valid.length === 0) return;
    await this.db.rows(this.sql.release, [
      valid.map((claim) => claim.integrationId),
      valid.map((claim) => claim.leaseToken),
    ]);
  }

  async lag(): Promise<PollerLag> {
    const [row] = await this.db.rows<{ overdue: number; oldest_seconds: number }>(this.sql.lag, []);
    if (row === undefined) throw new Error('the poller lag query returned no row');
    return { overdue: row.overdue, oldestOverdueSeconds: Math.max(0, row.oldest_seconds) };
  }
}
