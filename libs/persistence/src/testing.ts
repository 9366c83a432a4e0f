export { createTestDatabase, dropSchema } from './lib/testing/test-databases';
export type { TestDatabase, TestDatabaseOptions } from './lib/testing/test-databases';
export {
  REQUIRE_POSTGRES_ENV,
  TEST_DATABASE_URL_ENV,
  testDatabaseServer,
} from './lib/testing/test-database-server';
export type { TestDatabaseServer } from './lib/testing/test-database-server';
export { describeOnDatabases, useTestDatabase } from './lib/testing/describe-on-databases';
export type { DatabaseTarget } from './lib/testing/describe-on-databases';
export { sqlStatements } from './lib/sql/sql-statements';
export type { SqlStatements } from './lib/sql/sql-statements';
export { startTcpRelay } from './lib/testing/tcp-relay';
export type { RelayMode, TcpRelay } from './lib/testing/tcp-relay';
