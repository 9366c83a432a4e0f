import type { TestDatabaseServer } from './test-database-server';
import { TEST_DATABASE_URL_ENV } from './test-database-server';
import type { TestDatabase, TestDatabaseOptions } from './test-databases';
import { createTestDatabase } from './test-databases';

/** The database server a suite runs on. */
export interface DatabaseTarget {
  readonly kind: TestDatabaseServer['kind'];
  create(options?: TestDatabaseOptions): Promise<TestDatabase>;
}

type Block = () => void;
type Hook = () => unknown;

/** The jest (or jest-compatible) globals these helpers register with. */
interface TestGlobals {
  describe: (name: string, fn: Block) => void;
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

/**
 * Declares a suite on the test database server: TEST_DATABASE_URL's PostgreSQL when it is set,
 * otherwise the test process's embedded PostgreSQL (the same engine, so the same SQL, locks and
 * concurrency). The suite's name says which: `<name> [postgres]` or `<name> [embedded]`.
 */
export function describeOnDatabases(name: string, fn: (target: DatabaseTarget) => void): void {
  const { describe } = testGlobals();
  const url = process.env[TEST_DATABASE_URL_ENV];
  const kind: DatabaseTarget['kind'] =
    url !== undefined && url.trim() !== '' ? 'postgres' : 'embedded';
  describe(`${name} [${kind}]`, () =>
    fn({ kind, create: (options = {}) => createTestDatabase(options) }));
}

/**
 * A fresh database for every test of the enclosing suite: created before each test, disposed
 * after it. Returns an accessor for the current one.
 */
export function useTestDatabase(
  on: DatabaseTarget,
  options: TestDatabaseOptions = {},
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
