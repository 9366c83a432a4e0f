import { startTestApp } from '../testing/test-app';

describe('the embedded PostgreSQL across a restart', () => {
  it('keeps registrations, versions and events', async () => {
    let t = await startTestApp({ prefer: 'embedded' });
    try {
      expect(t.backend.kind).toBe('embedded');
      expect(t.database.kind).toBe('embedded');
      const created = await t.request('POST', '/api/v1/integrations', {
        body: {
          name: 'survives-restart',
          type: 'scm',
          provider: 'in-memory',
          endpoint: 'https://scm.example.test',
          settings: { latencyMs: 1 },
          credentials: {},
        },
      });
      expect(created.status).toBe(201);
      const patched = await t.request('PATCH', `/api/v1/integrations/${created.body.id}`, {
        body: { tags: ['kept'] },
      });
      expect(patched.status).toBe(200);

      t = await t.restart();

      const got = await t.request('GET', `/api/v1/integrations/${created.body.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ name: 'survives-restart', tags: ['kept'], version: 2 });
      const events = await t.request('GET', '/api/v1/events');
      expect(events.body.items.map((e: { type: string }) => e.type)).toEqual([
        'integration.registered',
        'integration.updated',
      ]);
    } finally {
      await t.close();
      await t.backend.dispose();
    }
  }, 90_000);
});
