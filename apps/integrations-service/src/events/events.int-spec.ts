import { randomUUID } from 'node:crypto';
import type { TestApp } from '../testing/test-app';
import { startTestApp } from '../testing/test-app';
import { inMemoryDraft } from '../testing/in-memory-draft';

interface OpenApiDocument {
  readonly paths: Record<string, Record<string, any>>;
  readonly components: { readonly schemas: Record<string, any> };
}

describe('GET /api/v1/events over HTTP', () => {
  let t: TestApp;
  let token: string;
  const ids: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token({ tenant: `events-${randomUUID()}` });
    for (const name of ['first', 'second', 'third']) {
      const created = await t.request('POST', '/api/v1/integrations', {
        token,
        body: inMemoryDraft({ name }),
      });
      expect(created.status).toBe(201);
    }
    const feed = await t.request('GET', '/api/v1/events', { token });
    ids.push(...feed.body.items.map((event: { id: string }) => event.id));
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await t?.backend.dispose();
  });

  it("pages through the tenant's events, oldest first, in the contract's shape", async () => {
    expect(ids).toHaveLength(3);
    const page = await t.request('GET', `/api/v1/events?after=${ids[0]}&limit=1`, { token });
    expect(page.status).toBe(200);
    expect(page.body).toEqual({
      items: [
        {
          id: ids[1],
          type: 'integration.registered',
          tenantId: expect.stringMatching(/^events-/),
          integrationId: expect.any(String),
          occurredAt: expect.stringMatching(/Z$/),
          payload: { integration: expect.objectContaining({ name: 'second' }) },
        },
      ],
      nextAfter: ids[1],
    });
    const end = await t.request('GET', `/api/v1/events?after=${ids[2]}`, { token });
    expect(end.body).toEqual({ items: [], nextAfter: ids[2] });
  });

  it.each([
    ['limit=0', '/limit'],
    ['limit=501', '/limit'],
    ['limit=-1', '/limit'],
    ['limit=1.5', '/limit'],
    ['limit=abc', '/limit'],
    ['limit=', '/limit'],
    ['limit=1&limit=2', '/limit'],
    ['after=nope', '/after'],
    ['after=', '/after'],
    ['after=0123456789abcdef0123456789abcdef', '/after'],
    ['cursor=x', '/cursor'],
  ])('refuses ?%s with a problem naming %s', async (search, path) => {
    const result = await t.request('GET', `/api/v1/events?${search}`, { token });
    expect(result.status).toBe(400);
    expect(result.headers.get('content-type')).toContain('application/problem+json');
    expect(result.body.errors.map((error: { path: string }) => error.path)).toEqual([path]);
  });

  it('refuses an `after` that is no event of the tenant', async () => {
    const result = await t.request('GET', `/api/v1/events?after=${randomUUID()}`, { token });
    expect(result.status).toBe(400);
    const other = await t.token({ tenant: `other-${randomUUID()}` });
    const foreign = await t.request('GET', `/api/v1/events?after=${ids[0]}`, { token: other });
    expect(foreign.status).toBe(400);
  });

  it('documents the query and the response schema in the OpenAPI document', async () => {
    const doc = (await t.request<OpenApiDocument>('GET', '/docs-json', { token: null })).body;
    const operation = doc.paths['/api/v1/events']?.['get'];
    expect(operation.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/EventListDto',
    });
    expect(operation.responses['400'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ProblemDetailsDto',
    });
    const parameters = Object.fromEntries(
      operation.parameters.map((parameter: { name: string; in: string; schema: object }) => [
        `${parameter.in}:${parameter.name}`,
        parameter.schema,
      ]),
    );
    expect(parameters).toEqual({
      'query:after': expect.objectContaining({ type: 'string', format: 'uuid' }),
      'query:limit': expect.objectContaining({ minimum: 1, maximum: 500, default: 100 }),
    });
    const list = doc.components.schemas['EventListDto'];
    expect(list.required).toEqual(expect.arrayContaining(['items', 'nextAfter']));
    expect(list.properties.items).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/LifecycleEventDto' },
    });
    expect(doc.components.schemas['LifecycleEventDto'].properties.id).toMatchObject({
      format: 'uuid',
    });
  });
});
