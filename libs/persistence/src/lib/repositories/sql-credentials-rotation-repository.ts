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
  // plain value, another key, an unknown format — is pending (NULL from ->> on a plain value
  // folds to false). A row is pending when its credentials are, or any of its secret settings
  // (each named in secret_settings and present in settings). Without an index, a batch walks the
  // primary key from its cursor and skips rows already done; a whole rotation reads the table
  // once, and so does a resumed one.
  const sealedUnder = (value: string, n: number) =>
    `COALESCE(${value}->>'$encrypted' = '${SEALED_FORMAT}' AND ${value}->>'kid' = $${n}::text, false)`;
  const settingsPending = (n: number) =>
    `EXISTS (SELECT 1 FROM unnest("secret_settings") AS s("name")
      WHERE ("settings"->s."name") IS NOT NULL AND NOT ${sealedUnder(`("settings"->s."name")`, n)})`;
  const pending = (n: number) =>
    `(NOT ${sealedUnder('"credentials"', n)} OR ${settingsPending(n)})`;
  // Sealed under one of the kids ($n): an envelope of any format naming it.
  const sealedWith = (value: string, n: number) =>
    `(${value}->>'$encrypted' IS NOT NULL AND ${value}->>'kid' = ANY($${n}::text[]))`;
  return {
    countPending: `SELECT count(*)::integer AS "count" FROM ${t} WHERE ${pending(1)}`,
    pendingAfter: `SELECT "id", "tenant_id", "credentials", "settings", "secret_settings" FROM ${t}
      WHERE ($1::uuid IS NULL OR "id" > $1::uuid) AND ${pending(2)}
      ORDER BY "id"
      LIMIT $3`,
    // Compare-and-set: only where the stored credentials and settings are still the ones read.
    // The row's version, updated_at and lease are left alone: the registration has not changed,
    // only its envelopes.
    compareAndSet: `UPDATE ${t} AS i SET "credentials" = v."new", "settings" = v."newSettings"
      FROM jsonb_to_recordset($1::jsonb)
        AS v("id" uuid, "old" jsonb, "new" jsonb, "oldSettings" jsonb, "newSettings" jsonb)
      WHERE i."id" = v."id" AND i."credentials" = v."old" AND i."settings" = v."oldSettings"
      RETURNING i."id"`,
    // The window's count is taken before the LIMIT: every row under the key, and the first ids.
    underKey: `SELECT "id", count(*) OVER ()::integer AS "total" FROM ${t}
      WHERE ${sealedWith('"credentials"', 1)}
        OR EXISTS (SELECT 1 FROM unnest("secret_settings") AS s("name")
          WHERE ${sealedWith(`("settings"->s."name")`, 1)})
      ORDER BY "id"
      LIMIT $2`,
  };
}

const statementsFor = perSchema(buildCredentialsRotationStatements);

interface PendingRow {
  id: string;
  tenant_id: string;
  credentials: unknown;
  settings: Record<string, unknown>;
  secret_settings: string[];
}

interface Rewrite {
  readonly id: string;
  readonly old: unknown;
  readonly new: unknown;
  readonly oldSettings: unknown;
  readonly newSettings: unknown;
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
      const rewrite = this.rewriteOf(row);
      if ('reason' in rewrite) failures.push(rewrite);
      else rewrites.push(rewrite);
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
   * The row's credentials and secret settings re-sealed under the active key, or why they cannot
   * be (the row is then left whole: a key is retired only once nothing of a row needs it).
   */
  private rewriteOf(row: PendingRow): Rewrite | RotationFailure {
    const { id, tenant_id: tenantId } = row;
    const reasons: string[] = [];
    let credentials: Record<string, string> | undefined;
    try {
      credentials = this.codec.decode(row.credentials, tenantId, id);
    } catch (error) {
      if (!(error instanceof CredentialsDecryptionError)) throw error;
      reasons.push(error.message);
    }
    const settings = this.codec.decodeSettings(row.settings, row.secret_settings, tenantId, id);
    if (settings.unreadable !== undefined) reasons.push(settings.unreadable);
    if (credentials === undefined || reasons.length > 0) {
      return { id, tenantId, reason: reasons.join('; ') };
    }
    return {
      id,
      old: row.credentials,
      new: this.codec.encode(credentials, tenantId, id),
      oldSettings: row.settings,
      newSettings: this.codec.encodeSettings(
        settings.settings,
        settings.secretSettings,
        tenantId,
        id,
      ).stored,
    };
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
      throw new Error(
        'no encryption key is configured: there is no key to rotate credentials and secret settings to',
      );
    }
    return active;
  }
}
