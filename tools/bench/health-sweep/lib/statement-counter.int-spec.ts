import { testDatabaseServer } from '@stellaops/integrations-persistence/testing';
import { Client } from 'pg';
import type { StatementCounter } from './statement-counter.mjs';
import { rowsOfTag, startStatementCounter, statementShape } from './statement-counter.mjs';

/** The health-sweep benchmark's statements per check rest on this count being exact. */
describe('startStatementCounter', () => {
  let counter: StatementCounter;

  beforeAll(async () => {
    counter = await startStatementCounter((await testDatabaseServer()).url);
  });

  afterAll(async () => {
    await counter?.close();
  });

  it('counts every simple query and every execute, with the rows the server reported', async () => {
    const client = new Client({ connectionString: counter.url });
    await client.connect();
    const before = counter.log.length;
    try {
      await client.query('BEGIN');
      await client.query('SELECT generate_series(1, $1::integer) AS n', [5]);
      await client.query('CREATE TEMP TABLE counted (n integer)');
      await client.query('INSERT INTO counted SELECT generate_series(1, 3)');
      await client.query('UPDATE counted SET n = n + $1', [1]);
      await client.query('COMMIT');
      await expect(client.query('SELECT 1/0')).rejects.toThrow('division by zero');
      await expect(client.query('SELECT $1::integer', ['x'])).rejects.toThrow('invalid input');
      // The same text again: the client may reuse its unnamed statement, each run still counts.
      await client.query('SELECT generate_series(1, $1::integer) AS n', [2]);
      await client.query('SELECT generate_series(1, $1::integer) AS n', [4]);
    } finally {
      await client.end();
    }
    const entries = counter.log.slice(before);
    for (const entry of entries) {
      expect(entry.doneAt).toBeGreaterThanOrEqual(entry.at);
    }
    // Sent and answered in turn on one connection.
    for (let n = 1; n < entries.length; n++) {
      expect(entries[n]!.at).toBeGreaterThanOrEqual(entries[n - 1]!.doneAt!);
    }
    expect(Math.abs(entries[0]!.at - Date.now())).toBeLessThan(60_000);
    const seen = entries.map(({ sql, rows, error }) => ({ sql: statementShape(sql), rows, error }));
    expect(seen).toEqual([
      { sql: 'BEGIN', rows: 0, error: false },
      { sql: 'SELECT generate_series(1, $1::integer) AS n', rows: 5, error: false },
      { sql: 'CREATE TEMP TABLE counted (n integer)', rows: 0, error: false },
      { sql: 'INSERT INTO counted SELECT generate_series(1, 3)', rows: 3, error: false },
      { sql: 'UPDATE counted SET n = n + $1', rows: 3, error: false },
      { sql: 'COMMIT', rows: 0, error: false },
      { sql: 'SELECT 1/0', rows: 0, error: true },
      { sql: 'SELECT $1::integer', rows: 0, error: true },
      { sql: 'SELECT generate_series(1, $1::integer) AS n', rows: 2, error: false },
      { sql: 'SELECT generate_series(1, $1::integer) AS n', rows: 4, error: false },
    ]);
  });

  it('keeps the connections apart: statements of concurrent clients each get their own rows', async () => {
    const clients = Array.from({ length: 4 }, () => new Client({ connectionString: counter.url }));
    await Promise.all(clients.map((client) => client.connect()));
    const before = counter.log.length;
    try {
      await Promise.all(
        clients.map(async (client, n) => {
          for (let round = 0; round < 20; round++) {
            await client.query(`SELECT generate_series(1, $1::integer) AS c${n}`, [n + 1]);
          }
        }),
      );
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
    const seen = counter.log.slice(before);
    expect(seen).toHaveLength(80);
    for (const entry of seen) {
      const n = Number(/AS c(\d)/.exec(entry.sql)?.[1]);
      expect(entry.rows).toBe(n + 1);
    }
  });

  it('reads the row count of each kind of command tag', () => {
    expect(rowsOfTag('INSERT 0 12')).toBe(12);
    expect(rowsOfTag('UPDATE 7')).toBe(7);
    expect(rowsOfTag('SELECT 0')).toBe(0);
    expect(rowsOfTag('BEGIN')).toBe(0);
  });

  it('folds schema names and literals out of a statement and cuts it short', () => {
    expect(statementShape(`UPDATE "bench_x"."integrations"\n  SET a = 'it''s'`)).toBe(
      `UPDATE "integrations" SET a = '?'`,
    );
    expect(statementShape('x'.repeat(200), 10)).toHaveLength(10);
  });
});
