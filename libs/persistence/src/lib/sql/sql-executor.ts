import type { DataSource, QueryRunner } from 'typeorm';

/** Runs one parameterized statement and hands back its rows (RETURNING rows for writes). */
export interface SqlExecutor {
  rows<T>(sql: string, params: readonly unknown[]): Promise<T[]>;
}

async function recordsOf<T>(
  runner: QueryRunner,
  sql: string,
  params: readonly unknown[],
): Promise<T[]> {
  // The structured result has the same shape for every statement kind; the plain one wraps
  // UPDATE/DELETE results in [rows, count].
  const result = await runner.query(sql, params as unknown[], true);
  return result.records as T[];
}

/** Each statement takes a pooled connection for its own duration (autocommit). */
export class PooledSqlExecutor implements SqlExecutor {
  constructor(
    private readonly dataSource: DataSource,
    private readonly beforeQuery: () => void,
  ) {}

  async rows<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
    this.beforeQuery();
    const runner = this.dataSource.createQueryRunner();
    try {
      return await recordsOf<T>(runner, sql, params);
    } finally {
      await runner.release();
    }
  }
}

/** Every statement runs on the transaction's connection. */
export class TransactionSqlExecutor implements SqlExecutor {
  constructor(private readonly runner: QueryRunner) {}

  rows<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
    return recordsOf<T>(this.runner, sql, params);
  }
}
