import { randomUUID } from 'node:crypto';
import type { HttpResult, TestApp } from '../testing/test-app';
import { signToken, startTestApp } from '../testing/test-app';
import { inMemoryDraft } from '../testing/in-memory-draft';

/**
 * Input that must never reach PostgreSQL or the validators' recursion, end to end: NUL, control
 * characters and unpaired surrogates in every position input enters, hostile nesting, `null` on
 * PATCH, version numbers past the column's range, and names that only look alike. Each is a 4xx
 * problem+json naming the field, and a refused write leaves the catalog as it was.
 */
const PROBLEM = 'application/problem+json';
const BASE = '/api/v1/integrations';

function draft(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return inMemoryDraft({
    name: `edge-${randomUUID()}`,
    settings: { health: 'healthy' },
    tags: ['a'],
    ...overrides,
  });
}

function expectProblem(result: HttpResult<any>, status: number, path?: string): void {
  expect(result.status).toBe(status);
  expect(result.headers.get('content-type')).toContain(PROBLEM);
  expect(result.body).toMatchObject({ status, type: expect.any(String) });
  if (path !== undefined) {
    expect(result.body.errors.map((error: { path: string }) => error.path)).toContain(path);
  }
}

describe('hostile input at the HTTP edge', () => {
  let t: TestApp;
  let token: string;
  let existing: { id: string; name: string };
  const tenant = `edge-${randomUUID()}`;

  async function catalogState(): Promise<string> {
    const list = await t.request('GET', `${BASE}?limit=500`, { token });
    const events = await t.request('GET', '/api/v1/events?limit=500', { token });
    expect(list.status).toBe(200);
    expect(events.status).toBe(200);
    return JSON.stringify([list.body, events.body]);
  }

  async function refusedWithoutChange(
    send: () => Promise<HttpResult<any>>,
    status: number,
    path?: string,
  ): Promise<void> {
    const before = await catalogState();
    expectProblem(await send(), status, path);
    expect(await catalogState()).toBe(before);
  }

  beforeAll(async () => {
    t = await startTestApp();
    token = await signToken({ tenant });
    const created = await t.request('POST', BASE, { token, body: draft({ name: 'existing' }) });
    expect(created.status).toBe(201);
    existing = created.body;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await t?.backend.dispose();
  });

  // A URL cannot carry an unpaired surrogate: encoders send U+FFFD, and its percent-encoded
  // CESU-8 bytes do not decode (see the test after these).
  describe.each([
    ['NUL', '\u0000'],
    ['ESC (C0)', '\u001b'],
    ['CSI (C1)', '\u009b'],
  ])('%s in the URL', (_label, bad) => {
    it.each(['q', 'tag', 'type', 'provider', 'status', 'health', 'cursor', 'limit'])(
      'in the query parameter %s: 400 naming it',
      async (parameter) => {
        const search = new URLSearchParams({ [parameter]: `x${bad}y` });
        expectProblem(await t.request('GET', `${BASE}?${search}`, { token }), 400, `/${parameter}`);
      },
    );

    it('in a query parameter name and in the event feed query: 400', async () => {
      expectProblem(
        await t.request('GET', `${BASE}?${new URLSearchParams({ [`q${bad}`]: 'x' })}`, { token }),
        400,
      );
      expectProblem(
        await t.request('GET', `/api/v1/events?${new URLSearchParams({ after: `x${bad}` })}`, {
          token,
        }),
        400,
      );
    });

    it('in the id of the path: 400 naming it, for every method', async () => {
      const path = `${BASE}/${encodeURIComponent(`${existing.id}${bad}`)}`;
      expectProblem(await t.request('GET', path, { token }), 400, '/id');
      await refusedWithoutChange(
        () => t.request('PATCH', path, { token, body: { tags: ['b'] } }),
        400,
        '/id',
      );
      await refusedWithoutChange(() => t.request('DELETE', path, { token }), 400, '/id');
    });
  });

  it('reads percent-encoded surrogate halves in a query as the text they are, never as a 500', async () => {
    for (const parameter of ['q', 'tag', 'cursor']) {
      const result = await t.request('GET', `${BASE}?${parameter}=%ED%A0%80`, { token });
      expect([200, 400]).toContain(result.status);
    }
    expect((await t.request('GET', `${BASE}/%ED%A0%80`, { token })).status).toBe(400);
  });

  describe.each([
    ['NUL', '\u0000'],
    ['ESC (C0)', '\u001b'],
    ['CSI (C1)', '\u009b'],
    ['a lone high surrogate', '\ud800'],
    ['a lone low surrogate', '\udfff'],
  ])('%s in a body or a token', (_label, bad) => {
    it.each([
      ['name', { name: `n${bad}` }, '/name'],
      ['endpoint', { endpoint: `https://scm.example.test/${bad}` }, '/endpoint'],
      ['a settings value', { settings: { health: `h${bad}` } }, '/settings/health'],
      [
        'a settings value deep down',
        { settings: { a: { b: [{ c: [`x${bad}`] }] } } },
        '/settings/a/b/0/c/0',
      ],
      ['a settings key', { settings: { [`k${bad}`]: 1 } }, '/settings'],
      [
        'a credentials key',
        { credentials: { [`token${bad}`]: 'authref://env/X' } },
        '/credentials',
      ],
      [
        'a credentials value',
        { credentials: { token: `authref://env/X${bad}` } },
        '/credentials/token',
      ],
      ['a tag', { tags: ['ok', `t${bad}`] }, '/tags/1'],
      ['a top-level key', { [`name${bad}`]: 'x' }, ''],
    ])(
      'in %s of a registration, a draft test and a PATCH: 400 naming it',
      async (_where, fields, path) => {
        await refusedWithoutChange(
          () => t.request('POST', BASE, { token, body: draft(fields) }),
          400,
          path,
        );
        expectProblem(
          await t.request('POST', `${BASE}/test`, { token, body: draft(fields) }),
          400,
          path,
        );
        const { type: _type, provider: _provider, ...patch } = draft(fields);
        const only = Object.fromEntries(
          Object.entries(patch).filter(([key]) => Object.hasOwn(fields, key)),
        );
        await refusedWithoutChange(
          () => t.request('PATCH', `${BASE}/${existing.id}`, { token, body: only }),
          400,
          path,
        );
      },
    );

    it.each(['sub', 'tenant', 'scope'] as const)(
      'in the token claim %s: 401, and nothing is written',
      async (claim) => {
        const hostile = await signToken({
          tenant,
          ...(claim === 'sub' ? { sub: `u${bad}` } : {}),
          ...(claim === 'tenant' ? { tenant: `${tenant}${bad}` } : {}),
          ...(claim === 'scope' ? { scope: `integrations:read${bad} integrations:write` } : {}),
        });
        const listed = await t.request('GET', BASE, { token: hostile });
        expectProblem(listed, 401);
        expect(listed.body.detail).toContain(`"${claim}"`);
        await refusedWithoutChange(
          () => t.request('POST', BASE, { token: hostile, body: draft() }),
          401,
        );
      },
    );
  });

  it('lets tabs and line breaks through to validation in free text of settings (a PEM bundle, say)', async () => {
    // The in-memory provider has no free-text setting, so its schema refuses the property: what
    // matters is that the edge let the text through.
    const result = await t.request('POST', `${BASE}/test`, {
      token,
      body: draft({ settings: { health: 'healthy', note: 'line one\r\n\tline two\n' } }),
    });
    expectProblem(result, 400, '/settings/note');
    expect(JSON.stringify(result.body.errors)).not.toMatch(/control characters/);
  });

  it.each([33, 5_000])(
    'refuses a body nested %i levels deep with 400 before validation, on every body route',
    async (depth) => {
      const nested = `${'{"a":'.repeat(depth - 2)}1${'}'.repeat(depth - 2)}`;
      const deepSettings = `{"name":"deep","type":"scm","provider":"in-memory","endpoint":"https://x.example","credentials":{},"settings":{"x":${nested}}}`;
      await refusedWithoutChange(
        () =>
          t.request('POST', BASE, {
            token,
            rawBody: deepSettings,
            headers: { 'content-type': 'application/json' },
          }),
        400,
      );
      const result = await t.request('PATCH', `${BASE}/${existing.id}`, {
        token,
        rawBody: `{"settings":{"x":${nested}}}`,
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(result, 400);
      expect(result.body.errors[0].message).toMatch(/deeper than 32 levels/);
      const arrays = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      expectProblem(
        await t.request('POST', `${BASE}/test`, {
          token,
          rawBody: arrays,
          headers: { 'content-type': 'application/json' },
        }),
        400,
      );
    },
  );

  it('accepts settings nested within the limit', async () => {
    let settings: Record<string, unknown> = { leaf: 1 };
    for (let level = 0; level < 29; level++) settings = { a: settings };
    const result = await t.request('POST', `${BASE}/test`, {
      token,
      body: draft({ settings: { health: 'healthy', deep: settings } }),
    });
    expect(result.status).not.toBe(500);
    expect(result.body.errors?.[0]?.message ?? '').not.toMatch(/deeper/);
  });

  describe('null on PATCH', () => {
    it.each([
      'name',
      'endpoint',
      'settings',
      'credentials',
      'status',
      'healthCheckIntervalSeconds',
      'tags',
    ])('%s: null is a 400 naming the field; no new version, no event', async (field) => {
      await refusedWithoutChange(
        () => t.request('PATCH', `${BASE}/${existing.id}`, { token, body: { [field]: null } }),
        400,
        `/${field}`,
      );
      const after = await t.request('GET', `${BASE}/${existing.id}`, { token });
      expect(after.body.version).toBe(1);
      expect(after.body.tags).toEqual(['a']);
    });

    it('a PATCH that sends every field as it is changes nothing: same version and ETag, no event', async () => {
      const current = (await t.request('GET', `${BASE}/${existing.id}`, { token })).body;
      const before = await catalogState();
      const patched = await t.request('PATCH', `${BASE}/${existing.id}`, {
        token,
        headers: { 'if-match': `"${current.version}"` },
        body: {
          name: ` ${current.name} `,
          endpoint: current.endpoint,
          settings: { ...current.settings },
          credentials: current.credentials,
          healthCheckIntervalSeconds: current.healthCheckIntervalSeconds,
          tags: [...current.tags, ...current.tags],
        },
      });
      expect(patched.status).toBe(200);
      expect(patched.headers.get('etag')).toBe(`"${current.version}"`);
      expect(patched.body.version).toBe(current.version);
      expect(await catalogState()).toBe(before);
    });
  });

  describe('If-Match past the version column', () => {
    it.each([
      '"2147483648"',
      '"99999999999"',
      '"999999999999999"',
      '"2147483648", "99999999999999"',
    ])('If-Match: %s matches nothing: 412 on PATCH and DELETE, never 500', async (ifMatch) => {
      await refusedWithoutChange(
        () =>
          t.request('PATCH', `${BASE}/${existing.id}`, {
            token,
            headers: { 'if-match': ifMatch },
            body: { tags: ['changed'] },
          }),
        412,
      );
      await refusedWithoutChange(
        () =>
          t.request('DELETE', `${BASE}/${existing.id}`, {
            token,
            headers: { 'if-match': ifMatch },
          }),
        412,
      );
    });

    it('refuses an interval past the integer range with 400', async () => {
      for (const value of ['2147483648', '1e300', '9007199254740993', '-2147483649']) {
        await refusedWithoutChange(
          () =>
            t.request('PATCH', `${BASE}/${existing.id}`, {
              token,
              rawBody: `{"healthCheckIntervalSeconds":${value}}`,
              headers: { 'content-type': 'application/json' },
            }),
          400,
          '/healthCheckIntervalSeconds',
        );
      }
    });
  });

  describe('names that only look alike', () => {
    it('stores names and tags in NFC, so a decomposed spelling of a taken name is a 409', async () => {
      const created = await t.request('POST', BASE, {
        token,
        body: draft({ name: 'Caf\u00e9', tags: ['M\u00fcnchen'] }),
      });
      expect(created.status).toBe(201);
      await refusedWithoutChange(
        () => t.request('POST', BASE, { token, body: draft({ name: 'Cafe\u0301' }) }),
        409,
      );
      const tagged = await t.request(
        'GET',
        `${BASE}?${new URLSearchParams({ tag: 'Mu\u0308nchen' })}`,
        {
          token,
        },
      );
      expect(tagged.body.items.map((item: { name: string }) => item.name)).toEqual(['Caf\u00e9']);
      expect((await t.request('DELETE', `${BASE}/${created.body.id}`, { token })).status).toBe(204);
    });

    it.each([
      ['a right-to-left override', 'github\u202e-main'],
      ['a zero-width space', 'git\u200bhub'],
      ['a zero-width joiner', 'git\u200dhub'],
      ['a byte-order mark inside', 'git\ufeffhub'],
      ['a line separator', 'git\u2028hub'],
    ])('refuses %s in a name or a tag with 400', async (_label, text) => {
      await refusedWithoutChange(
        () => t.request('POST', BASE, { token, body: draft({ name: text }) }),
        400,
        '/name',
      );
      await refusedWithoutChange(
        () => t.request('PATCH', `${BASE}/${existing.id}`, { token, body: { tags: [text] } }),
        400,
        '/tags',
      );
    });
  });
});
