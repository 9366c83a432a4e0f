import { randomUUID } from 'node:crypto';
import type { TestDatabase } from '@stellaops/integrations-persistence/testing';
import { createTestDatabase } from '@stellaops/integrations-persistence/testing';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { baselineStatements } from './baseline-statements.mjs';

function normalize(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}

/**
 * The baseline server runs the SQL `sqlStatements` exports. This runs the repositories on
 * PostgreSQL, records what they really send, and holds the export to it.
 */
describe('baselineStatements', () => {
  let test: TestDatabase;
  const sent: string[] = [];

  beforeAll(async () => {
    test = await createTestDatabase();
    const query = jest.spyOn(PostgresQueryRunner.prototype, 'query');
    const tenantId = 'bench-spec';
    const integration = await test.db.transaction(async (uow) => {
      const created = await uow.integrations.insert({
        tenantId,
        name: 'first',
        type: 'scm',
        provider: 'in-memory',
        endpoint: 'https://in-memory.invalid/first',
        settings: {},
        credentials: {},
        healthCheckIntervalSeconds: 300,
        tags: ['bench'],
        createdBy: 'bench',
      });
      await uow.events.append({
        id: randomUUID(),
        type: 'integration.registered',
        tenantId,
        integrationId: created.id,
        occurredAt: new Date().toISOString(),
        payload: {
          integration: {
            id: created.id,
            name: created.name,
            type: created.type,
            provider: created.provider,
            version: created.version,
          },
        },
      });
      await uow.audit.record({
        tenantId,
        actor: 'bench',
        action: 'integration.register',
        integrationId: created.id,
        details: {},
      });
      return created;
    });
    await test.db.integrations.findById(tenantId, integration.id);
    await test.db.integrations.list({ tenantId, limit: 100 });
    await test.db.integrations.list({ tenantId, tag: 'bench', limit: 100 });
    await test.db.integrations.list({ tenantId, tag: 'bench', q: 'fir', limit: 100 });
    sent.push(...query.mock.calls.map(([sql]) => normalize(sql)));
    query.mockRestore();
  }, 60_000);

  afterAll(() => test?.dispose());

  it.each([
    'insert',
    'findById',
    'list',
    'listTagged',
    'listTaggedFiltered',
    'appendEvent',
    'recordAudit',
  ] as const)('has the text the repositories send for %s', (name) => {
    const statements = baselineStatements(test.schema);
    expect(sent).toContain(normalize(statements[name]));
  });
});
