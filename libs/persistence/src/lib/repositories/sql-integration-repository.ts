import { randomUUID } from 'node:crypto';
import type { HealthStatus, Integration } from '@stellaops/integrations-core';
import {
  ConflictError,
  InputError,
  isUuid,
  normalizeTags,
  NotFoundError,
  PreconditionFailedError,
} from '@stellaops/integrations-core';
import type { CredentialsCodec } from '../credentials-codec';
import { PgErrorCodes, pgErrorOf } from '../sql/pg-error';
import { perSchema } from '../sql/per-schema';
import type { SqlExecutor } from '../sql/sql-executor';
import type { TableNames } from '../sql/sql-identifiers';
import type {
  IntegrationHealthUpdate,
  IntegrationListQuery,
  IntegrationPage,
  IntegrationRecordPatch,
  IntegrationRepository,
  NewIntegrationRecord,
  RecordedHealth,
} from './integration-repository';
import { assertLimit } from './assert-limit';
import { assertNumber } from './assert-number';
import type { IntegrationRow } from './integration-row';
import { integrationColumns as columns, toIntegration } from './integration-row';

const UNIQUE_NAME = 'uq_integrations_tenant_name';
const PRIMARY_KEY = 'pk_integrations';

export interface IntegrationStatements {
  readonly insert: string;
  readonly findById: string;
  readonly findByIdForUpdate: string;
  readonly list: string;
  readonly listTagged: string;
  readonly listTaggedFiltered: string;
  readonly update: string;
  readonly versionOf: string;
  readonly softDelete: string;
  readonly recordHealth: string;
  readonly count: string;
}

/**
 * The listing's filters on a row ($2 type, $3 provider, $4 status, $5 health, $6 search). The
 * search is a substring match: LIKE's wildcards and escape character in it are escaped. Both
 * sides of the name comparisons use byte order ("C"), the column's own collation, so lower()
 * folds ASCII letters only.
 */
function listFilters(alias: '' | 'i.'): string {
  return `($2::text IS NULL OR ${alias}"type" = $2::text)
        AND ($3::text IS NULL OR ${alias}"provider" = $3::text)
        AND ($4::text IS NULL OR ${alias}"status" = $4::text)
        AND ($5::text IS NULL OR ${alias}"health" = $5::text)
        AND ($6::text IS NULL OR lower(${alias}"name") LIKE '%' || replace(replace(replace(
          lower($6::text COLLATE "C"), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')`;
}

export function buildIntegrationStatements(tables: TableNames): IntegrationStatements {
  const t = tables.integrations;
  const live = `"id" = $1 AND "tenant_id" = $2 AND "deleted_at" IS NULL`;
  const nextToken = `nextval('${tables.leaseTokens}')`;
  // An update that disables the registration or changes its endpoint, settings or credentials
  // ($7, $4, $5, $6) takes a new lease token and clears the lease: a poll in flight measured
  // what no longer exists, so its result is discarded, and the row is claimable at once (its
  // due time is kept) to be checked as it is now. A soft delete needs no token: results for a
  // deleted row are refused by its deleted_at.
  const fence = `($7::text = 'disabled' OR $4::text IS NOT NULL OR $5::jsonb IS NOT NULL OR $6::jsonb IS NOT NULL)`;
  return {
    // A new registration is due for its first check at once.
    insert: `INSERT INTO ${t} ("id", "tenant_id", "name", "type", "provider", "endpoint", "settings",
        "credentials", "status", "health_check_interval_seconds", "tags", "created_by", "updated_by",
        "next_check_at", "secret_settings")
      VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11::text[], $12, $12, now(),
        $13::text[])
      RETURNING ${columns()}`,
    findById: `SELECT ${columns()} FROM ${t} WHERE ${live}`,
    findByIdForUpdate: `SELECT ${columns()} FROM ${t} WHERE ${live} FOR UPDATE`,
    // One statement for every combination of filters but the tag: with unnamed statements each
    // execution is planned with its parameters, so the `$n IS NULL` branches fold away, and the
    // search pattern folds to a constant the trigram index can use (see the listing-indexes
    // migration).
    list: `SELECT ${columns()} FROM ${t}
      WHERE "tenant_id" = $1 AND "deleted_at" IS NULL AND ${listFilters('')}
        AND ($7::text IS NULL OR ("name", "id") > ($7::text COLLATE "C", $8::uuid))
      ORDER BY "name", "id"
      LIMIT $9`,
    // With a tag ($10), the tag's entries in integration_tags are walked in listing order after
    // the cursor, and the other filters checked on each one's row: a page costs its rows, however
    // rare the tag. integration_tags holds live rows only; the row's own tenant and deletion are
    // checked again all the same, since they are what the listing promises.
    listTagged: `SELECT ${columns('i')} FROM ${tables.integrationTags} AS s
        JOIN ${t} AS i ON i."id" = s."integration_id"
      WHERE s."tenant_id" = $1 AND s."tag" = $10::text
        AND ($7::text IS NULL OR (s."name", s."integration_id") > ($7::text COLLATE "C", $8::uuid))
        AND i."tenant_id" = $1 AND i."deleted_at" IS NULL AND ${listFilters('i.')}
      ORDER BY s."name", s."integration_id"
      LIMIT $9`,
    // A tag with a search: the tag becomes a semi-join on integration_tags' primary key, so the
    // planner can start from the trigram index (then probe the tag per row) instead of walking
    // every entry of a common tag (a search that matches nothing: 89 ms walking, 39 ms so, at
    // 1,000,000 rows). Without a search the walk wins: the semi-join's estimates are poor and
    // its plans were 10 to 100 times slower (see tools/bench/listing/results).
    listTaggedFiltered: `SELECT ${columns()} FROM ${t} AS i
      WHERE "tenant_id" = $1 AND "deleted_at" IS NULL AND ${listFilters('')}
        AND ($7::text IS NULL OR ("name", "id") > ($7::text COLLATE "C", $8::uuid))
        AND EXISTS (SELECT 1 FROM ${tables.integrationTags} AS s
          WHERE s."tenant_id" = $1 AND s."tag" = $10::text
            AND s."name" = i."name" AND s."integration_id" = i."id")
      ORDER BY "name", "id"
      LIMIT $9`,
    // Conditional on the version in the same statement: of N concurrent updates at one version,
    // exactly one matches; the others re-check the row after it commits and match nothing.
    // Disabling, or changing what a check connects with, fences a poll in flight (see `fence`).
    update: `UPDATE ${t} SET
        "name" = COALESCE($3::text, "name"),
        "endpoint" = COALESCE($4::text, "endpoint"),
        "settings" = COALESCE($5::jsonb, "settings"),
        "secret_settings" = CASE WHEN $5::jsonb IS NULL THEN "secret_settings" ELSE $12::text[] END,
        "credentials" = COALESCE($6::jsonb, "credentials"),
        "status" = COALESCE($7::text, "status"),
        "health_check_interval_seconds" = COALESCE($8::integer, "health_check_interval_seconds"),
        "next_check_at" = CASE WHEN $8::integer IS NULL THEN "next_check_at"
          ELSE COALESCE("last_checked_at", now()) + make_interval(secs => $8::integer) END,
        "tags" = COALESCE($9::text[], "tags"),
        "updated_by" = $10,
        "updated_at" = now(),
        "version" = "version" + 1,
        "lease_owner" = CASE WHEN ${fence} THEN NULL ELSE "lease_owner" END,
        "lease_until" = CASE WHEN ${fence} THEN NULL ELSE "lease_until" END,
        "lease_token" = CASE WHEN ${fence} THEN ${nextToken} ELSE "lease_token" END
      WHERE ${live} AND ($11::integer IS NULL OR "version" = $11::integer)
      RETURNING ${columns()}`,
    versionOf: `SELECT "version" FROM ${t} WHERE ${live}`,
    softDelete: `UPDATE ${t} SET
        "deleted_at" = now(),
        "deleted_by" = $3,
        "updated_by" = $3,
        "updated_at" = now(),
        "version" = "version" + 1,
        "next_check_at" = NULL,
        "lease_owner" = NULL,
        "lease_until" = NULL
      WHERE ${live} AND ($4::integer IS NULL OR "version" = $4::integer)
      RETURNING ${columns()}`,
    // The locked read of the previous health and the write are one statement, so concurrent
    // results each see the one before (a change is reported once).
    // Under the row lock, a registration disabled while its test ran stays disabled.
    // A new token and no lease: a poll of the row still in flight is discarded when it reports
    // (its token no longer matches) instead of overwriting this newer result, and the row is
    // claimable again at its new due time.
    recordHealth: `WITH "previous" AS (
        SELECT "id", "health" FROM ${t} WHERE ${live} FOR UPDATE
      )
      UPDATE ${t} AS i SET
        "health" = $3,
        "last_health_message" = $4,
        "last_checked_at" = $5::timestamptz,
        "consecutive_failures" = $6::integer,
        "status" = CASE WHEN i."status" = 'disabled' THEN i."status" ELSE COALESCE($7::text, i."status") END,
        "next_check_at" = $8::timestamptz,
        "lease_owner" = NULL,
        "lease_until" = NULL,
        "lease_token" = ${nextToken}
      FROM "previous"
      WHERE i."id" = "previous"."id"
      RETURNING ${columns('i')}, "previous"."health" AS "previous_health"`,
    count: `SELECT count(*)::integer AS "count" FROM ${t} WHERE "tenant_id" = $1 AND "deleted_at" IS NULL`,
  };
}

const statementsFor = perSchema(buildIntegrationStatements);

/** The integration repository over SQL; rows are mapped straight to the core model. */
export class SqlIntegrationRepository implements IntegrationRepository {
  private readonly sql: IntegrationStatements;

  constructor(
    private readonly db: SqlExecutor,
    tables: TableNames,
    private readonly codec: CredentialsCodec,
  ) {
    this.sql = statementsFor(tables);
  }

  async insert(record: NewIntegrationRecord): Promise<Integration> {
    const id = record.id ?? randomUUID();
    if (!isUuid(id)) {
      throw new InputError('an integration id must be a uuid', [
        { path: '/id', message: 'must be a uuid' },
      ]);
    }
    const settings = this.codec.encodeSettings(
      record.settings,
      record.secretSettings ?? [],
      record.tenantId,
      id,
    );
    try {
      const [row] = await this.db.rows<IntegrationRow>(this.sql.insert, [
        id,
        record.tenantId,
        record.name,
        record.type,
        record.provider,
        record.endpoint,
        JSON.stringify(settings.stored),
        JSON.stringify(this.codec.encode(record.credentials, record.tenantId, id)),
        record.status ?? 'pending',
        record.healthCheckIntervalSeconds,
        normalizeTags(record.tags),
        record.createdBy,
        settings.secretSettings,
      ]);
      return this.integrationOf(expectRow(row));
    } catch (error) {
      throw this.translateWriteError(error, record.name, id);
    }
  }

  async findById(
    tenantId: string,
    id: string,
    options: { readonly forUpdate?: boolean } = {},
  ): Promise<Integration | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.db.rows<IntegrationRow>(
      options.forUpdate === true ? this.sql.findByIdForUpdate : this.sql.findById,
      [id, tenantId],
    );
    return row === undefined ? null : this.integrationOf(row);
  }

  async list(query: IntegrationListQuery): Promise<IntegrationPage> {
    assertLimit(query.limit);
    const after = query.after;
    if (after !== undefined && !isUuid(after.id)) {
      throw new InputError('the list cursor is not valid', [
        { path: '/cursor', message: 'is not a cursor this listing returned' },
      ]);
    }
    const parameters = [
      query.tenantId,
      query.type ?? null,
      query.provider ?? null,
      query.status ?? null,
      query.health ?? null,
      query.q === undefined || query.q === '' ? null : query.q,
      after?.name ?? null,
      after?.id ?? null,
      query.limit + 1,
    ];
    const rows =
      query.tag === undefined
        ? await this.db.rows<IntegrationRow>(this.sql.list, parameters)
        : await this.db.rows<IntegrationRow>(
            // $6, the search: the trigram index is then usually the narrowest way in.
            parameters[5] === null ? this.sql.listTagged : this.sql.listTaggedFiltered,
            [...parameters, query.tag],
          );
    const hasMore = rows.length > query.limit;
    const items = (hasMore ? rows.slice(0, query.limit) : rows).map((row) =>
      this.integrationOf(row),
    );
    const last = items.at(-1);
    return { items, next: hasMore && last ? { name: last.name, id: last.id } : null };
  }

  async update(
    tenantId: string,
    id: string,
    patch: IntegrationRecordPatch,
    expectedVersion?: number,
  ): Promise<Integration> {
    if (!isUuid(id)) throw notFound(id);
    const settings =
      patch.settings === undefined
        ? undefined
        : this.codec.encodeSettings(patch.settings, patch.secretSettings ?? [], tenantId, id);
    let rows: IntegrationRow[];
    try {
      rows = await this.db.rows<IntegrationRow>(this.sql.update, [
        id,
        tenantId,
        patch.name ?? null,
        patch.endpoint ?? null,
        settings === undefined ? null : JSON.stringify(settings.stored),
        patch.credentials === undefined
          ? null
          : JSON.stringify(this.codec.encode(patch.credentials, tenantId, id)),
        patch.status ?? null,
        patch.healthCheckIntervalSeconds ?? null,
        patch.tags === undefined ? null : normalizeTags(patch.tags),
        patch.updatedBy,
        expectedVersion ?? null,
        settings?.secretSettings ?? null,
      ]);
    } catch (error) {
      throw this.translateWriteError(error, patch.name ?? '', id);
    }
    const [row] = rows;
    if (row === undefined) throw await this.whyUnchanged(tenantId, id, expectedVersion);
    return this.integrationOf(row);
  }

  async softDelete(
    tenantId: string,
    id: string,
    deletedBy: string,
    expectedVersion?: number,
  ): Promise<Integration> {
    if (!isUuid(id)) throw notFound(id);
    const [row] = await this.db.rows<IntegrationRow>(this.sql.softDelete, [
      id,
      tenantId,
      deletedBy,
      expectedVersion ?? null,
    ]);
    if (row === undefined) throw await this.whyUnchanged(tenantId, id, expectedVersion);
    return this.integrationOf(row);
  }

  async recordHealth(
    tenantId: string,
    id: string,
    result: IntegrationHealthUpdate,
  ): Promise<RecordedHealth | null> {
    if (!isUuid(id)) return null;
    assertNumber('consecutiveFailures', result.consecutiveFailures, { min: 0 });
    const [row] = await this.db.rows<IntegrationRow & { previous_health: string }>(
      this.sql.recordHealth,
      [
        id,
        tenantId,
        result.status,
        result.message,
        result.checkedAt,
        result.consecutiveFailures,
        result.integrationStatus ?? null,
        result.nextCheckAt,
      ],
    );
    if (row === undefined) return null;
    return {
      integration: this.integrationOf(row),
      previousHealth: row.previous_health as HealthStatus,
    };
  }

  async count(tenantId: string): Promise<number> {
    const [row] = await this.db.rows<{ count: number }>(this.sql.count, [tenantId]);
    return row?.count ?? 0;
  }

  /** After a conditional write matched nothing: was it absent, or at another version? */
  private async whyUnchanged(
    tenantId: string,
    id: string,
    expectedVersion: number | undefined,
  ): Promise<Error> {
    const [row] = await this.db.rows<{ version: number }>(this.sql.versionOf, [id, tenantId]);
    if (row === undefined) return notFound(id);
    return new PreconditionFailedError(
      `integration ${id} is at version ${row.version}, not ${String(expectedVersion)}: read it again and retry`,
    );
  }

  private integrationOf(row: IntegrationRow): Integration {
    return toIntegration(row, this.codec);
  }

  private translateWriteError(error: unknown, name: string, id: string): unknown {
    const pg = pgErrorOf(error);
    if (pg?.code !== PgErrorCodes.UniqueViolation) return error;
    if (pg.constraint === UNIQUE_NAME) {
      return new ConflictError(`an integration named "${name}" already exists in this tenant`, {
        cause: error,
      });
    }
    if (pg.constraint === PRIMARY_KEY) {
      return new ConflictError(`an integration with id ${id} already exists`, { cause: error });
    }
    return error;
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`integration ${id} does not exist`);
}

function expectRow<T>(row: T | undefined): T {
  if (row === undefined) throw new Error('INSERT ... RETURNING returned no row');
  return row;
}
