import { isUuid } from '@stellaops/integrations-core';
import type { CredentialsCodec } from '../credentials-codec';
import { SEALED_FORMAT } from '../credentials-keyring';
import { CredentialsDecryptionError } from '../errors/credentials-decryption.error';
import { pgErrorOf } from '../sql/pg-error';
import { perSchema } from '../sql/per-schema';
import type { SqlExecutor } from '../sql/sql-executor';
import type { TableNames } from '../sql/sql-identifiers';
import { assertNumber } from './assert-number';
import type {
  CredentialsRotationRepository,
  RotationBatch,
  RotationFailure,
  RowsUnderKey,
} from './credentials-rotation-repository';

/** The most rows one batch reads and writes (one statement each way). */
export const MAX_ROTATION_BATCH = 10_000;
const DEADLOCK_DETECTED = '40P01';
const WRITE_ATTEMPTS = 3;

export interface CredentialsRotationStatements {
  readonly countPending: string;
  readonly pendingAfter: string;
  readonly compareAndSet: string;
  readonly underKey: string;
}

export function buildCredentialsRotationStatements(
  tables: TableNames,
): CredentialsRotationStatements {
  const t = tables.integrations;
  // Under the active key ($n): an envelope of the current format naming it. Anything else — a
  // plain map, another key, an unknown format — is pending (NULL from ->> on a plain map
  // folds to false). Without an index, a batch walks the primary key from its cursor and skips
  // rows already done; a whole rotation reads the table once, and so does a resumed one.
  const underActive = (n: number) =>
    `COALESCE("credentials"->>'$encrypted' = '${SEALED_FORMAT}' AND "credentials"->>'kid' = $${n}::text, false)`;
  return {
    countPending: `SELECT count(*)::integer AS "count" FROM ${t} WHERE NOT ${underActive(1)}`,
    pendingAfter: `SELECT "id", "tenant_id", "credentials" FROM ${t}
      WHERE ($1::uuid IS NULL OR "id" > $1::uuid) AND NOT ${underActive(2)}
      ORDER BY "id"
      LIMIT $3`,
    // Compare-and-set: only where the stored value is still the one read. The row's version,
    // updated_at and lease are left alone: the registration has not changed, only its envelope.
    compareAndSet: `UPDATE ${t} AS i SET "credentials" = v."new"
      FROM jsonb_to_recordset($1::jsonb) AS v("id" uuid, "old" jsonb, "new" jsonb)
      WHERE i."id" = v."id" AND i."credentials" = v."old"
      RETURNING i."id"`,
    // The window's count is taken before the LIMIT: every row under the key, and the first ids.
    underKey: `SELECT "id", count(*) OVER ()::integer AS "total" FROM ${t}
      WHERE "credentials"->>'$encrypted' IS NOT NULL AND "credentials"->>'kid' = ANY($1::text[])
      ORDER BY "id"
      LIMIT $2`,
  };
}

const statementsFor = perSchema(buildCredentialsRotationStatements);

interface PendingRow {
  id: string;
  tenant_id: string;
  credentials: unknown;
}

interface Rewrite {
  readonly id: string;
  readonly old: unknown;
  readonly new: unknown;
}

/** Credential rotation over SQL; see the interface for what it promises. */
export class SqlCredentialsRotationRepository implements CredentialsRotationRepository {
  private readonly sql: CredentialsRotationStatements;

  constructor(
    private readonly db: SqlExecutor,
    tables: TableNames,
    private readonly codec: CredentialsCodec,
  ) {
    this.sql = statementsFor(tables);
  }

  get activeKeyId(): string | undefined {
    return this.codec.keyring.activeKeyId;
  }

  get keyIds(): readonly string[] {
    return this.codec.keyring.keyIds;
  }

  async countPending(): Promise<number> {
    const [row] = await this.db.rows<{ count: number }>(this.sql.countPending, [
      this.requireActiveKey(),
    ]);
    return row?.count ?? 0;
  }

  async rotateBatch(after: string | null, limit: number): Promise<RotationBatch> {
    const active = this.requireActiveKey();
    assertNumber('limit', limit, { min: 1, max: MAX_ROTATION_BATCH });
    if (after !== null && !isUuid(after)) throw new Error(`the cursor ${after} is not a uuid`);
    const rows = await this.db.rows<PendingRow>(this.sql.pendingAfter, [after, active, limit]);
    const rewrites: Rewrite[] = [];
    const failures: RotationFailure[] = [];
    for (const row of rows) {
      try {
        const credentials = this.codec.decode(row.credentials, row.tenant_id, row.id);
        rewrites.push({
          id: row.id,
          old: row.credentials,
          new: this.codec.encode(credentials, row.tenant_id, row.id),
        });
      } catch (error) {
        if (!(error instanceof CredentialsDecryptionError)) throw error;
        failures.push({ id: row.id, tenantId: row.tenant_id, reason: error.message });
      }
    }
    const written = new Set(await this.compareAndSet(rewrites));
    return {
      read: rows.length,
      rotated: written.size,
      conflicts: rewrites.filter((rewrite) => !written.has(rewrite.id)).map(({ id }) => id),
      failures,
      last: rows.at(-1)?.id ?? null,
    };
  }

  async rowsUnderKey(keyId: string, limit: number): Promise<RowsUnderKey> {
    assertNumber('limit', limit, { min: 1 });
    const kids = this.codec.keyring.kidsOf(keyId);
    const rows = await this.db.rows<{ id: string; total: number }>(this.sql.underKey, [
      kids,
      limit,
    ]);
    return { count: rows[0]?.total ?? 0, ids: rows.map((row) => row.id) };
  }

  /**
   * One statement for the batch. Its row locks are taken in whatever order the join visits the
   * rows, so a multi-row write of the service's can deadlock with it; PostgreSQL then aborts one
   * of the two, and when it is this one the statement (which changed nothing) is sent again.
   */
  private async compareAndSet(rewrites: readonly Rewrite[]): Promise<string[]> {
    if (rewrites.length === 0) return [];
    const parameters = [JSON.stringify(rewrites)];
    for (let attempt = 1; ; attempt++) {
      try {
        const rows = await this.db.rows<{ id: string }>(this.sql.compareAndSet, parameters);
        return rows.map((row) => row.id);
      } catch (error) {
        if (pgErrorOf(error)?.code !== DEADLOCK_DETECTED || attempt === WRITE_ATTEMPTS) throw error;
      }
    }
  }

  private requireActiveKey(): string {
    const active = this.codec.keyring.activeKeyId;
    if (active === undefined) {
      throw new Error('no encryption key is configured: there is no key to rotate credentials to');
    }
    return active;
  }
}
