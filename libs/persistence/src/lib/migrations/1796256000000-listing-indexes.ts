import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from './migration-tables';

/**
 * Every schema of a database shares one pg_trgm; migrations of two schemas running at once would
 * both try to create it, and one would fail on the catalog's unique index.
 */
const EXTENSION_LOCK_KEY = '7450316213570311001';

/** The equality filters of the listing; each gets an index that keeps the listing's order. */
const FILTER_COLUMNS = ['type', 'provider', 'status', 'health'] as const;

/**
 * Indexes for the filtered listing at a million registrations per tenant.
 *
 * The listing walks (tenant_id, name, id) and stops at the page's end: quick while rows match,
 * a scan of the tenant when none do. So each equality filter gets (tenant_id, <filter>, name, id),
 * which answers "this value, in listing order, after the cursor" directly, match or not; the other
 * three filter columns follow as key columns so that a combination (type=scm&provider=harbor) is
 * checked on the index entries without visiting the table for each one. The name search gets a
 * trigram index on lower(name), the expression the listing matches; it covers deleted rows too,
 * because the planner ignores the statistics of a partial index's expression, and those are what
 * it estimates a search's matches from. Tags are kept a second time qualified with their tenant,
 * in the generated column tenant_tags: its index answers for the tenant alone, and its statistics
 * say how common a tag is in this tenant, not across all of them (a tag only other tenants use
 * would otherwise be expected here too, and the planner would walk the whole tenant looking for
 * it). A stored column rather than an expression index, because evaluating the function for
 * every row an ordered scan passes costs tens of microseconds a row. Extended statistics tell
 * the planner that the filter columns go together (a failed registration is never healthy),
 * where it would otherwise multiply their frequencies and expect matches that do not exist.
 *
 * Adding the column rewrites the table, and the indexes are built in the migration's transaction:
 * writes to the table wait until it commits (about a minute and a half at a million rows here).
 */
export class ListingIndexes1796256000000 implements MigrationInterface {
  readonly name = 'ListingIndexes1796256000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`SELECT pg_advisory_xact_lock(${EXTENSION_LOCK_KEY})`);
    // The extension goes where the database creates extensions (the first schema of the
    // search_path, normally public), not into this schema: dropping one schema must not take
    // away the trigram indexes of the others.
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    const [extension] = (await queryRunner.query(
      `SELECT quote_ident(n.nspname) AS "schema" FROM pg_extension e
        JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`,
    )) as { schema: string }[];
    if (extension === undefined) throw new Error('pg_trgm is not installed after CREATE EXTENSION');

    for (const column of FILTER_COLUMNS) {
      const others = FILTER_COLUMNS.filter((other) => other !== column);
      await queryRunner.query(
        `CREATE INDEX "ix_integrations_${column}" ON ${t.integrations}
          ("tenant_id", "${column}", "name", "id", ${others.map((other) => `"${other}"`).join(', ')})
          WHERE "deleted_at" IS NULL`,
      );
    }
    await queryRunner.query(
      `CREATE INDEX "ix_integrations_name_trgm" ON ${t.integrations}
        USING gin (lower("name") ${extension.schema}.gin_trgm_ops)`,
    );
    // SQL-standard bodies are bound when created, so the functions do not depend on the
    // search_path of whoever evaluates the index. The length prefix keeps the key unambiguous
    // whatever characters a tenant id or a tag holds.
    await queryRunner.query(
      `CREATE FUNCTION ${t.schema}."integration_tenant_tag"("tenant_id" text, "tag" text)
        RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        RETURN length("tenant_id")::text || ':' || "tenant_id" || ':' || "tag"`,
    );
    await queryRunner.query(
      `CREATE FUNCTION ${t.schema}."integration_tenant_tags"("tenant_id" text, "tags" text[])
        RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        RETURN ARRAY(SELECT ${t.schema}."integration_tenant_tag"("tenant_id", "tag")
          FROM unnest("tags") AS "tag")`,
    );
    await queryRunner.query(
      `ALTER TABLE ${t.integrations} ADD COLUMN "tenant_tags" text[] NOT NULL
        GENERATED ALWAYS AS (${t.schema}."integration_tenant_tags"("tenant_id", "tags")) STORED`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_integrations_tenant_tags" ON ${t.integrations} USING gin ("tenant_tags")
        WHERE "deleted_at" IS NULL`,
    );
    // The listing was the only reader of the tags index.
    await queryRunner.query(`DROP INDEX ${t.schema}."ix_integrations_tags"`);
    await queryRunner.query(
      `CREATE STATISTICS ${t.schema}."st_integrations_filters" (dependencies, mcv)
        ON "type", "provider", "status", "health" FROM ${t.integrations}`,
    );
    // The planner needs the statistics of lower(name) and of the column group now, not after
    // autovacuum next gets round to the table.
    await queryRunner.query(`ANALYZE ${t.integrations}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`DROP STATISTICS ${t.schema}."st_integrations_filters"`);
    await queryRunner.query(
      `CREATE INDEX "ix_integrations_tags" ON ${t.integrations} USING gin ("tags")`,
    );
    await queryRunner.query(`ALTER TABLE ${t.integrations} DROP COLUMN "tenant_tags"`);
    await queryRunner.query(`DROP FUNCTION ${t.schema}."integration_tenant_tags"(text, text[])`);
    await queryRunner.query(`DROP FUNCTION ${t.schema}."integration_tenant_tag"(text, text)`);
    await queryRunner.query(`DROP INDEX ${t.schema}."ix_integrations_name_trgm"`);
    for (const column of FILTER_COLUMNS) {
      await queryRunner.query(`DROP INDEX ${t.schema}."ix_integrations_${column}"`);
    }
    // pg_trgm stays: other schemas of the database may use it.
  }
}
