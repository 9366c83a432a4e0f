import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { TestApp } from '../testing/test-app';
import { signToken, startTestApp } from '../testing/test-app';

/**
 * Property: whatever a client sends — malformed bodies, query strings and headers — the service
 * answers with a 2xx-4xx (never a 5xx, never a hang), errors are problem+json, and a rejected
 * request leaves the database exactly as it was.
 */
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 2_500);

interface Snapshot {
  readonly integrations: string;
  readonly events: number;
}

describe('malformed requests (property-based)', () => {
  let t: TestApp;
  let token: string;
  let existingId: string;
  const tenant = `fuzz-${randomUUID()}`;

  async function snapshot(): Promise<Snapshot> {
    const rows = [];
    let after: { name: string; id: string } | undefined;
    do {
      const page = await t.database.integrations.list({
        tenantId: tenant,
        limit: 500,
        ...(after ? { after } : {}),
      });
      rows.push(...page.items);
      after = page.next ?? undefined;
    } while (after !== undefined);
    const events = await t.database.events.listAfter(tenant, undefined, 1_000);
    return { integrations: JSON.stringify(rows), events: events.length };
  }

  beforeAll(async () => {
    t = await startTestApp();
    token = await signToken({ tenant });
    const created = await t.request('POST', '/api/v1/integrations', {
      token,
      body: {
        name: 'fuzz-target',
        type: 'scm',
        provider: 'in-memory',
        endpoint: 'https://scm.example.test',
        settings: {},
        credentials: {},
      },
    });
    existingId = created.body.id;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await t?.backend.dispose();
  });

  const jsonish = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200 }),
    fc.constantFrom(
      '{',
      '{"name":',
      '[]',
      'null',
      '"x"',
      '{"name":"a","type":1}',
      '\u0000',
      '{"__proto__":{"a":1}}',
    ),
    fc
      .record(
        {
          name: fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null)),
          type: fc.oneof(fc.constantFrom('scm', 'registry', ''), fc.string({ maxLength: 20 })),
          provider: fc.oneof(
            fc.constantFrom('in-memory', 'github-app'),
            fc.string({ maxLength: 20 }),
          ),
          endpoint: fc.oneof(fc.webUrl(), fc.string({ maxLength: 50 })),
          settings: fc.oneof(
            fc.record(
              {
                health: fc.string(),
                latencyMs: fc.oneof(fc.integer(), fc.double(), fc.string()),
                failTimes: fc.integer({ min: -5, max: 5 }),
              },
              { requiredKeys: [] },
            ),
            fc.jsonValue(),
          ),
          credentials: fc.oneof(
            fc.dictionary(
              fc.string({ maxLength: 10 }),
              fc.oneof(
                fc.string({ maxLength: 40 }),
                fc.constant('authref://env/X'),
                fc.constant('authref://../x'),
              ),
            ),
            fc.jsonValue(),
          ),
          healthCheckIntervalSeconds: fc.oneof(
            fc.integer(),
            fc.double(),
            fc.string({ maxLength: 5 }),
          ),
          tags: fc.oneof(fc.array(fc.string({ maxLength: 80 }), { maxLength: 60 }), fc.jsonValue()),
          status: fc.oneof(
            fc.constantFrom('active', 'disabled', 'failed', 'pending'),
            fc.string({ maxLength: 10 }),
          ),
        },
        { requiredKeys: [] },
      )
      // A valid draft would be accepted (and change the database): keep every record invalid.
      .map((record) =>
        JSON.stringify({ ...record, provider: `~${String(record.provider ?? '')}` }),
      ),
  );

  const headerValue = fc.oneof(
    fc.string({ maxLength: 60 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
    fc.constantFrom(
      '"1"',
      '"999"',
      '*',
      'W/"1"',
      '""',
      'Bearer',
      'Bearer x.y.z',
      'application/json; charset=latin1',
    ),
  );

  const request = fc.record({
    route: fc.constantFrom(
      ['POST', '/api/v1/integrations'],
      ['POST', '/api/v1/integrations/test'],
      ['PATCH', '/api/v1/integrations/:id'],
      ['PATCH', '/api/v1/integrations/:random'],
      ['DELETE', '/api/v1/integrations/:random'],
      ['GET', '/api/v1/integrations'],
      ['GET', '/api/v1/integrations/:id'],
      ['GET', '/api/v1/integrations/:junk'],
      ['GET', '/api/v1/events'],
      ['POST', '/api/v1/integrations/:random/test'],
      ['GET', '/api/v1/integrations/:id/health'],
    ),
    junk: fc.string({ maxLength: 40 }),
    query: fc.array(
      fc.tuple(
        fc.constantFrom(
          'limit',
          'cursor',
          'type',
          'provider',
          'status',
          'health',
          'tag',
          'q',
          'after',
          'x',
        ),
        fc.oneof(
          fc.string({ maxLength: 30 }),
          fc.integer().map(String),
          fc.constantFrom('0', '501', '-1', '1e3', 'NaN'),
        ),
      ),
      { maxLength: 4 },
    ),
    body: fc.option(jsonish, { nil: undefined }),
    contentType: fc.oneof(
      fc.constant('application/json'),
      fc.constantFrom(
        'text/plain',
        'application/xml',
        'multipart/form-data',
        '',
        'application/json; charset=utf-8',
      ),
    ),
    auth: fc.oneof(
      fc.constant('valid'),
      fc.constant('valid'),
      fc.constant('none'),
      headerValue.map((v) => `raw:${v}`),
    ),
    ifMatch: fc.option(headerValue, { nil: undefined }),
  });

  it(`answers ${RUNS} malformed requests without a 5xx and without changing the database`, async () => {
    let previous = await snapshot();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const [method, template] = r.route;
        const path = template
          .replace(':id', existingId)
          .replace(':random', randomUUID())
          .replace(':junk', encodeURIComponent(r.junk));
        const search = new URLSearchParams(r.query).toString();
        // fetch cannot send a body with GET.
        const body = method === 'GET' ? undefined : r.body;
        const headers: Record<string, string> = {};
        if (body !== undefined && r.contentType !== '') headers['content-type'] = r.contentType;
        if (r.ifMatch !== undefined) headers['if-match'] = r.ifMatch;
        if (r.auth.startsWith('raw:')) headers['authorization'] = r.auth.slice(4);
        const result = await t.request(method, `${path}${search ? `?${search}` : ''}`, {
          ...(body === undefined ? {} : { rawBody: body }),
          headers,
          token: r.auth === 'valid' ? token : null,
        });
        statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
        expect(result.status).toBeLessThan(500);
        if (result.status >= 400) {
          expect(result.headers.get('content-type')).toContain('application/problem+json');
          const now = await snapshot();
          expect(now).toEqual(previous);
        } else {
          // An accepted request (a read, or a well-formed PATCH of the target) may change it.
          previous = await snapshot();
        }
      }),
      { numRuns: RUNS },
    );
    // The generators reach the interesting answers, not only one kind of refusal.
    for (const status of [400, 401, 404]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
  }, 300_000);
});
