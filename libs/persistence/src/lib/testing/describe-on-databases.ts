import type { DatabaseKind } from '../backends/backend';
import type { TestDatabase, TestDatabaseOptions } from './test-databases';
import { TEST_DATABASE_URL_ENV, createTestDatabase } from './test-databases';

/** One database engine a suite runs on. */
export interface DatabaseTarget {
  readonly kind: DatabaseKind;
  create(options?: Omit<TestDatabaseOptions, 'kind'>): Promise<TestDatabase>;
}

type Block = () => void;
type Hook = () => unknown;

/** The jest (or jest-compatible) globals these helpers register with. */
interface TestGlobals {
  describe: ((name: string, fn: Block) => void) & { skip(name: string, fn: Block): void };
  it(name: string, fn: Hook, timeout?: number): void;
  beforeEach(fn: Hook, timeout?: number): void;
  afterEach(fn: Hook, timeout?: number): void;
}

function testGlobals(): TestGlobals {
  const globals = globalThis as Partial<TestGlobals>;
  if (
    typeof globals.describe !== 'function' ||
    typeof globals.it !== 'function' ||
    typeof globals.beforeEach !== 'function' ||
    typeof globals.afterEach !== 'function'
  ) {
    throw new Error(
      'the database test helpers need a jest-style runner (describe, it, beforeEach, afterEach)',
    );
  }
  return globals as TestGlobals;
}

export const REQUIRE_POSTGRES_ENV = 'REQUIRE_POSTGRES';

function target(kind: DatabaseKind): DatabaseTarget {
  return { kind, create: (options = {}) => createTestDatabase({ ...options, kind }) };
}

/**
 * Declares the same suite once per engine: `<name> [pglite]` always, and `<name> [postgres]`
 * when TEST_DATABASE_URL is set. Without it the PostgreSQL suite is skipped, unless
 * REQUIRE_POSTGRES=1, where it fails (so CI cannot pass without having run it).
 */
export function describeOnDatabases(name: string, fn: (target: DatabaseTarget) => void): void {
  const { describe, it } = testGlobals();
  describe(`${name} [pglite]`, () => fn(target('pglite')));
  const url = process.env[TEST_DATABASE_URL_ENV];
  if (url !== undefined && url.trim() !== '') {
    describe(`${name} [postgres]`, () => fn(target('postgres')));
  } else if (process.env[REQUIRE_POSTGRES_ENV] === '1') {
    describe(`${name} [postgres]`, () => {
      it('has a PostgreSQL database to run on', () => {
        throw new Error(
          `${REQUIRE_POSTGRES_ENV}=1 but ${TEST_DATABASE_URL_ENV} is not set: point it at a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/test`,
        );
      });
    });
  } else {
    describe.skip(`${name} [postgres] (set ${TEST_DATABASE_URL_ENV} to run)`, () =>
      fn(target('postgres')));
  }
}

/**
 * A fresh database for every test of the enclosing suite: created before each test, disposed
 * after it. Returns an accessor for the current one.
 */
export function useTestDatabase(
  on: DatabaseTarget,
  options: Omit<TestDatabaseOptions, 'kind'> = {},
): () => TestDatabase {
  const { beforeEach, afterEach } = testGlobals();
  let current: TestDatabase | undefined;
  beforeEach(async () => {
    current = await on.create(options);
  }, 60_000);
  afterEach(async () => {
    const disposing = current;
    current = undefined;
    await disposing?.dispose();
  }, 60_000);
  return () => {
    if (current === undefined) throw new Error('the test database exists only while a test runs');
    return current;
  };
}
