import type { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationTables } from './migration-tables';

/**
 * Every schema of a database shares one pg_trgm; migrations of two schemas running at once would
 * both try to create it, and one would fail on the catalog's unique index.
 */
const EXTENSION_LOCK_KEY = '7450316213570311001';

/** The equality filters of the listing; each gets an index that keeps the listing's order. */
const FILTER_COLUMNS = ['type', 'provider', 'status', 'health'] as const;

/** The writes whose trigger keeps integration_tags: tg_integration_tags_<event>. */
const TAG_TRIGGER_EVENTS = ['inserted', 'deleted', 'updated', 'truncated'] as const;

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
 * it estimates a search's matches from. Extended statistics tell the planner that the filter
 * columns go together (a failed registration is never healthy), where it would otherwise multiply
 * their frequencies and expect matches that do not exist.
 *
 * A tag is an element of an array, which no btree orders by name: a GIN index finds a tag's rows
 * but not in listing order, and walking the listing order checking each row's tags visits the
 * table once per row passed (21,000 rows for a tag on 0.3 % of a million). So every live
 * registration's tags are kept a second time in integration_tags, one row per tag, whose primary
 * key (tenant_id, tag, name, integration_id) is the tag's listing order: a tag's page is the next
 * 50 entries after the cursor, whatever the tag's frequency, and a tag no row of the tenant has
 * is one index probe. Triggers on integrations keep it (insert, update of the columns it copies,
 * delete, truncate), so no write path can leave it behind; its (tenant_id, tag) statistics say
 * how common a tag is in one tenant, not across all of them.
 *
 * The indexes are built and the tags copied in the migration's transaction: writes to the table
 * wait until it commits (CREATE TRIGGER locks out writers, so none is missed by the copy).
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
    const tags = t.integrationTags;
    await queryRunner.query(
      `CREATE TABLE ${tags} (
        "tenant_id" text NOT NULL,
        "tag" text NOT NULL,
        "name" text COLLATE "C" NOT NULL,
        "integration_id" uuid NOT NULL,
        CONSTRAINT "pk_integration_tags" PRIMARY KEY ("tenant_id", "tag", "name", "integration_id")
      )`,
    );
    // A row's tags as integration_tags rows: a live row's distinct, non-null tags (what
    // tags @> ARRAY[tag] matches). Rows are the given relation's, aliased r.
    const tagRows = (relation: string): string =>
      `SELECT DISTINCT r."tenant_id", u."tag", r."name", r."id" FROM ${relation} AS r
        CROSS JOIN LATERAL unnest(r."tags") AS u("tag")
        WHERE r."deleted_at" IS NULL AND u."tag" IS NOT NULL`;
    // Inserts and deletes are handled per statement over their transition tables, so a bulk
    // insert copies its tags in one join rather than one call per row. Updates are per row, and
    // only when a copied column changed: most updates (health results) touch none of them.
    await queryRunner.query(
      `CREATE FUNCTION ${t.schema}."integration_tags_inserted"() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO ${tags} ("tenant_id", "tag", "name", "integration_id") ${tagRows('"new_rows"')};
          RETURN NULL;
        END $$`,
    );
    await queryRunner.query(
      `CREATE FUNCTION ${t.schema}."integration_tags_deleted"() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          DELETE FROM ${tags} AS s USING (${tagRows('"old_rows"')}) AS o ("tenant_id", "tag", "name", "id")
            WHERE s."tenant_id" = o."tenant_id" AND s."tag" = o."tag" AND s."name" = o."name"
              AND s."integration_id" = o."id";
          RETURN NULL;
        END $$`,
    );
    await queryRunner.query(
      `CREATE FUNCTION ${t.schema}."integration_tags_updated"() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF OLD."deleted_at" IS NULL THEN
            DELETE FROM ${tags} WHERE "tenant_id" = OLD."tenant_id" AND "tag" = ANY (OLD."tags")
              AND "name" = OLD."name" AND "integration_id" = OLD."id";
          END IF;
          IF NEW."deleted_at" IS NULL THEN
            INSERT INTO ${tags} ("tenant_id", "tag", "name", "integration_id")
              SELECT DISTINCT NEW."tenant_id", u."tag", NEW."name", NEW."id"
                FROM unnest(NEW."tags") AS u("tag") WHERE u."tag" IS NOT NULL;
          END IF;
          RETURN NULL;
        END $$`,
    );
    await queryRunner.query(
      `CREATE FUNCTION ${t.schema}."integration_tags_truncated"() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          TRUNCATE ${tags};
          RETURN NULL;
        END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "tg_integration_tags_inserted" AFTER INSERT ON ${t.integrations}
        REFERENCING NEW TABLE AS "new_rows" FOR EACH STATEMENT
        EXECUTE FUNCTION ${t.schema}."integration_tags_inserted"()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "tg_integration_tags_deleted" AFTER DELETE ON ${t.integrations}
        REFERENCING OLD TABLE AS "old_rows" FOR EACH STATEMENT
        EXECUTE FUNCTION ${t.schema}."integration_tags_deleted"()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "tg_integration_tags_updated"
        AFTER UPDATE OF "id", "tenant_id", "name", "tags", "deleted_at" ON ${t.integrations}
        FOR EACH ROW WHEN (OLD."id" IS DISTINCT FROM NEW."id"
          OR OLD."tenant_id" IS DISTINCT FROM NEW."tenant_id"
          OR OLD."name" IS DISTINCT FROM NEW."name"
          OR OLD."tags" IS DISTINCT FROM NEW."tags"
          OR (OLD."deleted_at" IS NULL) <> (NEW."deleted_at" IS NULL))
        EXECUTE FUNCTION ${t.schema}."integration_tags_updated"()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "tg_integration_tags_truncated" AFTER TRUNCATE ON ${t.integrations}
        FOR EACH STATEMENT EXECUTE FUNCTION ${t.schema}."integration_tags_truncated"()`,
    );
    await queryRunner.query(
      `INSERT INTO ${tags} ("tenant_id", "tag", "name", "integration_id") ${tagRows(t.integrations)}`,
    );
    await queryRunner.query(
      `CREATE STATISTICS ${t.schema}."st_integration_tags_tenant_tag" (mcv)
        ON "tenant_id", "tag" FROM ${tags}`,
    );
    // The listing was the only reader of the tags index.
    await queryRunner.query(`DROP INDEX ${t.schema}."ix_integrations_tags"`);
    await queryRunner.query(
      `CREATE STATISTICS ${t.schema}."st_integrations_filters" (dependencies, mcv)
        ON "type", "provider", "status", "health" FROM ${t.integrations}`,
    );
    // The planner needs the statistics of lower(name), of the column group and of the tags now,
    // not after autovacuum next gets round to the tables.
    await queryRunner.query(`ANALYZE ${t.integrations}`);
    await queryRunner.query(`ANALYZE ${tags}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = migrationTables(queryRunner);
    await queryRunner.query(`DROP STATISTICS ${t.schema}."st_integrations_filters"`);
    await queryRunner.query(
      `CREATE INDEX "ix_integrations_tags" ON ${t.integrations} USING gin ("tags")`,
    );
    for (const event of TAG_TRIGGER_EVENTS) {
      await queryRunner.query(`DROP TRIGGER "tg_integration_tags_${event}" ON ${t.integrations}`);
      await queryRunner.query(`DROP FUNCTION ${t.schema}."integration_tags_${event}"()`);
    }
    // Its statistics go with it.
    await queryRunner.query(`DROP TABLE ${t.integrationTags}`);
    await queryRunner.query(`DROP INDEX ${t.schema}."ix_integrations_name_trgm"`);
    for (const column of FILTER_COLUMNS) {
      await queryRunner.query(`DROP INDEX ${t.schema}."ix_integrations_${column}"`);
    }
    // pg_trgm stays: other schemas of the database may use it.
  }
}
