import { InputError } from '@stellaops/integrations-core';
import { perSchema } from '../sql/per-schema';
import type { SqlExecutor } from '../sql/sql-executor';
import type { TableNames } from '../sql/sql-identifiers';
import { toIso } from '../sql/timestamps';
import { assertNumber } from './assert-number';
import type { HeldLease, LeaseRepository } from './lease-repository';
import { isLeaseToken } from './lease-token';

/** About 24 days: a longer lease is a unit mistake, and would outlive any replica's failure. */
const MAX_TTL_MS = 2_147_483_647;

interface LeaseRow {
  name: string;
  owner: string;
  token: string;
  expires_at: string;
}

export interface LeaseStatements {
  readonly acquire: string;
  readonly renew: string;
  readonly release: string;
}

/** The statement's start on the database's clock (see sql-health-poll-repository's CLOCK). */
const CLOCK = 'statement_timestamp()';

const RETURNING = `RETURNING l."name", l."owner", l."token"::text AS "token", l."expires_at"`;

export function buildLeaseStatements(tables: TableNames): LeaseStatements {
  const t = tables.leases;
  const expiry = `${CLOCK} + $3::integer * interval '1 millisecond'`;
  return {
    // Free: inserted with a new token. Held by this owner and unexpired: renewed, same token.
    // Expired (whoever held it, this owner too): taken over with a new token, so that whatever
    // was done under the old one can be told apart. Held by another owner: the WHERE refuses
    // and nothing is returned. Concurrent acquirers serialize on the row (or on the key while
    // it is being inserted) and the loser's WHERE is checked against the winner's row.
    acquire: `INSERT INTO ${t} AS l ("name", "owner", "token", "expires_at", "acquired_at")
      VALUES ($1, $2, nextval('${tables.leaseTokens}'), ${expiry}, ${CLOCK})
      ON CONFLICT ("name") DO UPDATE SET
        "owner" = EXCLUDED."owner",
        "token" = CASE WHEN l."expires_at" > ${CLOCK} THEN l."token" ELSE EXCLUDED."token" END,
        "expires_at" = EXCLUDED."expires_at",
        "acquired_at" = CASE WHEN l."expires_at" > ${CLOCK} THEN l."acquired_at"
          ELSE EXCLUDED."acquired_at" END
      WHERE l."expires_at" <= ${CLOCK} OR l."owner" = EXCLUDED."owner"
      ${RETURNING}`,
    renew: `UPDATE ${t} AS l SET "expires_at" = ${expiry}
      WHERE l."name" = $1 AND l."owner" = $2 AND l."token" = $4::bigint AND l."expires_at" > ${CLOCK}
      ${RETURNING}`,
    release: `DELETE FROM ${t} AS l WHERE l."name" = $1 AND l."owner" = $2 AND l."token" = $3::bigint`,
  };
}

const statementsFor = perSchema(buildLeaseStatements);

function toLease(row: LeaseRow): HeldLease {
  return { name: row.name, owner: row.owner, token: row.token, expiresAt: toIso(row.expires_at) };
}

function assertNamed(name: string, owner: string): void {
  const errors = [
    ...(name.trim() === '' ? [{ path: '/name', message: 'must not be empty' }] : []),
    ...(owner.trim() === '' ? [{ path: '/owner', message: 'must not be empty' }] : []),
  ];
  if (errors.length > 0) throw new InputError('a lease needs a name and an owner', errors);
}

/**
 * Named leases over SQL, one statement per call, timed by the database's clock.
 *
 * Renewal is refused once the lease has expired, even when nobody has taken it yet: from its
 * expiry on, another replica may take it at any moment and believe itself alone, so the old
 * holder must stop and `acquire` again, which hands it a new token if it wins.
 */
export class SqlLeaseRepository implements LeaseRepository {
  private readonly sql: LeaseStatements;

  constructor(
    private readonly db: SqlExecutor,
    tables: TableNames,
  ) {
    this.sql = statementsFor(tables);
  }

  /** @throws InputError for an empty name or owner, or a ttl out of range */
  async acquire(name: string, owner: string, ttlMs: number): Promise<HeldLease | null> {
    assertNamed(name, owner);
    assertNumber('ttlMs', ttlMs, { min: 1, max: MAX_TTL_MS });
    const [row] = await this.db.rows<LeaseRow>(this.sql.acquire, [name, owner, ttlMs]);
    return row === undefined ? null : toLease(row);
  }

  /** @throws InputError for an empty name or owner, or a ttl out of range */
  async renew(
    name: string,
    owner: string,
    token: string,
    ttlMs: number,
  ): Promise<HeldLease | null> {
    assertNamed(name, owner);
    assertNumber('ttlMs', ttlMs, { min: 1, max: MAX_TTL_MS });
    if (!isLeaseToken(token)) return null;
    const [row] = await this.db.rows<LeaseRow>(this.sql.renew, [name, owner, ttlMs, token]);
    return row === undefined ? null : toLease(row);
  }

  async release(name: string, owner: string, token: string): Promise<void> {
    if (!isLeaseToken(token)) return;
    await this.db.rows(this.sql.release, [name, owner, token]);
  }
}
