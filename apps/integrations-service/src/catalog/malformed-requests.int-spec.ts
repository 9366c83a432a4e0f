import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { TestApp } from '../testing/test-app';
import { ALL_SCOPES, signToken, startTestApp } from '../testing/test-app';

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

/**
 * Property: each class of hostile input found at the edge, generated in every position it can take
 * — NUL, C0/C1 controls and unpaired surrogates in query names and values, path ids, body values
 * and keys at any depth, If-Match and token claims; nesting past the limit; null on each PATCH
 * field; numbers past the integer range in If-Match and numeric fields; headers and URLs past the
 * header limit — is answered with its one expected 4xx as problem+json, and leaves the catalog as
 * it was.
 */
const EDGE_RUNS = Math.ceil(Number(process.env['FUZZ_RUNS'] ?? 2_500) / 2);

type Hostile = {
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly token?: 'valid' | { sub?: string; tenant?: string; scope?: string };
  readonly expected: readonly number[];
};

describe('hostile input classes at the edge (property-based)', () => {
  let t: TestApp;
  let token: string;
  let existingId: string;
  const tenant = `edge-fuzz-${randomUUID()}`;

  async function state(): Promise<string> {
    const page = await t.database.integrations.list({ tenantId: tenant, limit: 500 });
    const events = await t.database.events.listAfter(tenant, undefined, 1_000);
    return JSON.stringify([page.items, events.length]);
  }

  beforeAll(async () => {
    t = await startTestApp();
    token = await signToken({ tenant });
    const created = await t.request('POST', '/api/v1/integrations', {
      token,
      body: {
        name: 'edge-target',
        type: 'scm',
        provider: 'in-memory',
        endpoint: 'https://scm.example.test',
        settings: {},
        credentials: {},
        tags: ['a'],
      },
    });
    existingId = created.body.id;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await t?.backend.dispose();
  });

  const control = fc.oneof(
    fc.integer({ min: 0, max: 0x1f }).filter((c) => c !== 0x09 && c !== 0x0a && c !== 0x0d),
    fc.integer({ min: 0x7f, max: 0x9f }),
  );
  const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff });
  const unsafeChar = fc.oneof(control, loneSurrogate).map((c) => String.fromCharCode(c));
  // Controls only: a URL cannot carry an unpaired surrogate.
  const urlUnsafeChar = control.map((c) => String.fromCharCode(c));
  const around = fc.string({ maxLength: 12 });
  const withUnsafe = (bad: fc.Arbitrary<string>) =>
    fc
      .tuple(around, bad, around)
      .map(([before, character, after]) => `${before}${character}${after}`);

  const QUERY_NAMES = ['q', 'tag', 'type', 'provider', 'status', 'health', 'cursor', 'limit'];
  const PATCH_FIELDS = [
    'name',
    'endpoint',
    'settings',
    'credentials',
    'status',
    'healthCheckIntervalSeconds',
    'tags',
  ];

  function register(fields: Record<string, unknown>): Record<string, unknown> {
    return {
      name: `n-${randomUUID()}`,
      type: 'scm',
      provider: 'in-memory',
      endpoint: 'https://scm.example.test',
      settings: {},
      credentials: {},
      ...fields,
    };
  }

  /** `value` at `depth` levels under `settings`, as `{a: {a: ... value}}`. */
  function deep(depth: number, value: unknown): unknown {
    let nested = value;
    for (let level = 0; level < depth; level++) nested = { a: nested };
    return nested;
  }

  const bodyPosition = fc.oneof(
    fc
      .constantFrom('name', 'endpoint', 'tag', 'credential', 'credential-key', 'key')
      .map((p) => ({ p, depth: 0 })),
    fc.record({
      p: fc.constantFrom('settings', 'settings-key'),
      depth: fc.integer({ min: 0, max: 25 }),
    }),
  );

  function bodyWith(position: { p: string; depth: number }, bad: string): Record<string, unknown> {
    switch (position.p) {
      case 'name':
        return { name: bad };
      case 'endpoint':
        return { endpoint: `https://scm.example.test/${bad}` };
      case 'tag':
        return { tags: ['ok', bad] };
      case 'credential':
        return { credentials: { token: `authref://env/${bad}` } };
      case 'credential-key':
        return { credentials: { [bad]: 'authref://env/X' } };
      case 'key':
        return { [bad]: 1 };
      case 'settings':
        return { settings: { x: deep(position.depth, bad) } };
      default:
        return { settings: { x: deep(position.depth, { [bad]: 1 }) } };
    }
  }

  const hostile: fc.Arbitrary<Hostile> = fc.oneof(
    // Unsafe text in a query parameter's value or name.
    fc
      .tuple(fc.constantFrom(...QUERY_NAMES), withUnsafe(urlUnsafeChar), fc.boolean())
      .map(([name, bad, inName]) => ({
        label: 'query',
        method: 'GET',
        path: `/api/v1/integrations?${new URLSearchParams(inName ? { [`${name}${bad}`]: 'x' } : { [name]: bad })}`,
        expected: [400],
      })),
    // Unsafe text in the path id, for every method on it.
    fc
      .tuple(fc.constantFrom('GET', 'PATCH', 'DELETE'), withUnsafe(urlUnsafeChar))
      .map(([method, bad]) => ({
        label: 'path',
        method,
        path: `/api/v1/integrations/${encodeURIComponent(bad)}`,
        ...(method === 'PATCH' ? { body: '{"tags":["b"]}' } : {}),
        expected: [400],
      })),
    // Percent-encoded surrogate halves: they do not decode.
    fc.constantFrom('%ED%A0%80', '%ED%BF%BF', '%ED%B0%80').map((bytes) => ({
      label: 'encoded surrogate',
      method: 'GET',
      path: `/api/v1/integrations/${bytes}`,
      expected: [400],
    })),
    // Unsafe text in a body value or key, at any depth, on every body route.
    fc
      .tuple(
        fc.constantFrom('POST /api/v1/integrations', 'POST /api/v1/integrations/test', 'PATCH :id'),
        bodyPosition,
        withUnsafe(unsafeChar),
      )
      .map(([route, position, bad]) => {
        const patch = route === 'PATCH :id';
        const fields = bodyWith(position, bad);
        return {
          label: `body ${position.p}`,
          method: route.split(' ')[0]!,
          path: patch ? `/api/v1/integrations/${existingId}` : route.split(' ')[1]!,
          body: JSON.stringify(patch ? fields : register(fields)),
          expected: [400],
        };
      }),
    // Unsafe text in a token claim.
    fc
      .tuple(
        fc.constantFrom('sub', 'tenant', 'scope'),
        withUnsafe(unsafeChar),
        fc.constantFrom('GET', 'POST'),
      )
      .map(([claim, bad, method]) => ({
        label: `claim ${claim}`,
        method,
        path: '/api/v1/integrations',
        ...(method === 'POST' ? { body: JSON.stringify(register({})) } : {}),
        token: { [claim]: claim === 'scope' ? `integrations:write ${bad}` : bad },
        expected: [401],
      })),
    // Nesting past the limit, anywhere in a body.
    fc
      .tuple(
        fc.integer({ min: 33, max: 6_000 }),
        fc.constantFrom('settings', 'array', 'tags'),
        fc.boolean(),
      )
      .map(([depth, where, patch]) => {
        const nested =
          where === 'array'
            ? `${'['.repeat(depth)}${']'.repeat(depth)}`
            : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
        const body =
          where === 'array'
            ? nested
            : where === 'tags'
              ? `{"tags":[${nested}]}`
              : `{"settings":${nested}}`;
        return {
          label: `nesting ${depth}`,
          method: patch ? 'PATCH' : 'POST',
          path: patch ? `/api/v1/integrations/${existingId}` : '/api/v1/integrations',
          body,
          expected: [400],
        };
      }),
    // null on any non-empty set of PATCH fields, with or without other fields.
    fc
      .tuple(fc.subarray(PATCH_FIELDS, { minLength: 1 }), fc.boolean())
      .map(([fields, withValid]) => ({
        label: `null ${fields.join(',')}`,
        method: 'PATCH',
        path: `/api/v1/integrations/${existingId}`,
        body: JSON.stringify({
          ...(withValid ? { tags: ['changed'] } : {}),
          ...Object.fromEntries(fields.map((field) => [field, null])),
        }),
        expected: [400],
      })),
    // A version past the integer column in If-Match.
    fc
      .tuple(
        fc.bigInt({ min: 2n ** 31n, max: 10n ** 15n - 1n }),
        fc.constantFrom('PATCH', 'DELETE'),
      )
      .map(([version, method]) => ({
        label: 'if-match range',
        method,
        path: `/api/v1/integrations/${existingId}`,
        ...(method === 'PATCH' ? { body: '{"tags":["changed"]}' } : {}),
        headers: { 'if-match': `"${version}"` },
        expected: [412],
      })),
    // Numbers past the integer range (or any range) in numeric fields.
    fc
      .tuple(
        fc.oneof(
          fc.bigInt({ min: 2n ** 31n, max: 2n ** 80n }).map(String),
          fc.bigInt({ min: -(2n ** 80n), max: -(2n ** 31n) }).map(String),
          fc.constantFrom('1e300', '-1e300', '1e400', '9007199254740993', '0.5'),
        ),
        fc.constantFrom('interval-patch', 'interval-register', 'limit'),
      )
      .map(([number, where]) =>
        where === 'limit'
          ? {
              label: 'limit range',
              method: 'GET',
              path: `/api/v1/integrations?limit=${number}`,
              expected: [400],
            }
          : {
              label: where,
              method: where === 'interval-patch' ? 'PATCH' : 'POST',
              path:
                where === 'interval-patch'
                  ? `/api/v1/integrations/${existingId}`
                  : '/api/v1/integrations',
              body:
                where === 'interval-patch'
                  ? `{"healthCheckIntervalSeconds":${number}}`
                  : JSON.stringify(register({})).replace(
                      /}$/,
                      `,"healthCheckIntervalSeconds":${number}}`,
                    ),
              expected: [400],
            },
      ),
    // Headers or a URL past Node's header limit.
    fc
      .tuple(fc.integer({ min: 17_000, max: 60_000 }), fc.boolean(), fc.constantFrom('GET', 'POST'))
      .map(([size, inUrl, method]) => ({
        label: inUrl ? 'long url' : 'long header',
        method,
        path: inUrl ? `/api/v1/integrations?q=${'q'.repeat(size)}` : '/api/v1/integrations',
        ...(method === 'POST' ? { body: JSON.stringify(register({})) } : {}),
        ...(inUrl ? {} : { headers: { 'x-padding': 'p'.repeat(size) } }),
        expected: [431],
      })),
  );

  it(`answers ${EDGE_RUNS} generated hostile requests with their 4xx, as problem+json, changing nothing`, async () => {
    const before = await state();
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(hostile, async (h) => {
        const bearer =
          h.token === undefined || h.token === 'valid'
            ? token
            : await signToken({ tenant, scope: ALL_SCOPES, ...h.token });
        const headers: Record<string, string> = { ...h.headers };
        if (h.body !== undefined) headers['content-type'] = 'application/json';
        const result = await t.request(h.method, h.path, {
          token: bearer,
          headers,
          ...(h.body === undefined ? {} : { rawBody: h.body }),
        });
        const key = `${h.label.split(' ')[0]} ${result.status}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        expect(result.status).toBeLessThan(500);
        if (!h.expected.includes(result.status)) {
          throw new Error(`${h.label}: ${result.status} ${result.text.slice(0, 300)}`);
        }
        expect(result.headers.get('content-type')).toContain('application/problem+json');
        expect(await state()).toBe(before);
      }),
      { numRuns: EDGE_RUNS },
    );
    // Every class was generated, not only the first few.
    for (const label of [
      'query',
      'path',
      'encoded',
      'body',
      'claim',
      'nesting',
      'null',
      'if-match',
      'interval',
      'limit',
      'long',
    ]) {
      expect([...seen.keys()].find((key) => key.startsWith(label)) ?? [...seen.keys()]).toEqual(
        expect.stringMatching(new RegExp(`^${label}\\S* 4\\d\\d$`)),
      );
    }
  }, 300_000);
});
