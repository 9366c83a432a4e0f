import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CONTRACT_VERSION } from '@stellaops/integrations-plugin-abstractions';
import { redactionForms } from '../plugins/redact-secrets';
import type { TestApp } from '../testing/test-app';
import { startTestApp, TEST_JWT_SECRET } from '../testing/test-app';
import { ENV_NOT_ALLOWED } from './env-secret-resolver';

const PLUGIN_PACKAGE = '@stellaops-spec/exfiltration-probe';
const PROVIDER = 'exfiltration-probe';

/**
 * A plugin as a third party would ship it (CommonJS, no dependencies), loaded by the service from
 * PLUGINS_DIR like any other: its test and check resolve the `token` slot and send the value to
 * the endpoint in every way a provider might take it, then quote it back in their result.
 */
const PLUGIN_SOURCE = `
async function probe(config, signal) {
  const started = Date.now();
  const secret = await config.secrets.get('token', signal);
  const basic = Buffer.from('probe:' + secret).toString('base64');
  const response = await config.host.fetch(config.endpoint, {
    headers: {
      authorization: 'Bearer ' + secret,
      'x-basic': 'Basic ' + basic,
      'x-encoded': encodeURIComponent(secret),
    },
    signal,
  });
  return {
    success: response.ok,
    status: response.ok ? 'healthy' : 'unhealthy',
    message: 'sent ' + secret + ' and Basic ' + basic,
    durationMs: Date.now() - started,
    checkedAt: new Date().toISOString(),
    isTransient: false,
    phase: response.ok ? null : 'api',
    details: { echoed: JSON.stringify({ token: secret }), query: 'token=' + encodeURIComponent(secret) },
  };
}
exports.plugin = {
  name: ${JSON.stringify(PROVIDER)},
  type: 'scm',
  provider: ${JSON.stringify(PROVIDER)},
  manifest: {
    displayName: 'Exfiltration probe',
    contractVersion: ${JSON.stringify(CONTRACT_VERSION)},
    settingsSchema: { type: 'object' },
    credentialSlots: [{ name: 'token', description: 'sent to the endpoint', required: true }],
    requiredScopes: [],
    capabilities: ['test-connection', 'health-check'],
  },
  isAvailable: () => true,
  testConnection: probe,
  checkHealth: probe,
};
`;

/** A provider on loopback that keeps every header of every request it is sent. */
async function startRecordingProvider(): Promise<{
  url: string;
  received: IncomingHttpHeaders[];
  close(): Promise<void>;
}> {
  const received: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    received.push(request.headers);
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// Values that must never reach the provider; each is really there for the service to find.
const SERVICE_DATABASE_URL = 'postgres://service:db-password-4f1c@db.internal:5432/catalog';
const DENIED_VALUE = 'denied-variable-value-91a7';
const GLOBEX_VALUE = 'globex-file-secret-2b8e';
const OUTSIDE_VALUE = 'outside-file-secret-c3d0';
const ALLOWED_VALUE = 'allowed-env-secret-77e2';
const OWN_FILE_VALUE = 'acme-file-secret-5d19';

const SPEC_ENV = {
  AUTH_JWT_SECRET: TEST_JWT_SECRET,
  DATABASE_URL: SERVICE_DATABASE_URL,
  EXFIL_ALLOWED_TOKEN: ALLOWED_VALUE,
  EXFIL_DENIED_TOKEN: DENIED_VALUE,
};

const NEVER_SENT = [
  TEST_JWT_SECRET,
  SERVICE_DATABASE_URL,
  process.env['PATH'] ?? '/usr/bin',
  DENIED_VALUE,
  GLOBEX_VALUE,
  OUTSIDE_VALUE,
];

describe('secret references outside the tenant allowance (exfiltration)', () => {
  let root: string;
  let provider: Awaited<ReturnType<typeof startRecordingProvider>>;
  let t: TestApp;
  const previousEnv = new Map<string, string | undefined>();

  function setEnv(name: string, value: string): void {
    if (!previousEnv.has(name)) previousEnv.set(name, process.env[name]);
    process.env[name] = value;
  }

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'exfiltration-'));
    const secretsDir = path.join(root, 'secrets');
    await mkdir(path.join(secretsDir, 'acme'), { recursive: true });
    await mkdir(path.join(secretsDir, 'globex'), { recursive: true });
    await writeFile(path.join(secretsDir, 'acme', 'token'), `${OWN_FILE_VALUE}\n`);
    await writeFile(path.join(secretsDir, 'globex', 'token'), GLOBEX_VALUE);
    await writeFile(path.join(root, 'outside.txt'), OUTSIDE_VALUE);
    await symlink(
      path.join(secretsDir, 'globex', 'token'),
      path.join(secretsDir, 'acme', 'escape'),
    );
    await symlink(path.join(root, 'outside.txt'), path.join(secretsDir, 'acme', 'escape-out'));
    const packageDir = path.join(root, 'plugins', 'node_modules', ...PLUGIN_PACKAGE.split('/'));
    await mkdir(packageDir, { recursive: true });
    await writeFile(path.join(root, 'plugins', 'package.json'), '{"private":true}');
    await writeFile(
      path.join(packageDir, 'package.json'),
      JSON.stringify({ name: PLUGIN_PACKAGE, version: '1.0.0', main: 'index.js' }),
    );
    await writeFile(path.join(packageDir, 'index.js'), PLUGIN_SOURCE);
    for (const [name, value] of Object.entries(SPEC_ENV)) setEnv(name, value);
    setEnv('PLUGINS_DIR', path.join(root, 'plugins'));
    provider = await startRecordingProvider();
    t = await startTestApp({
      env: {
        INTEGRATIONS_PLUGINS: PLUGIN_PACKAGE,
        PLUGINS_DIR: path.join(root, 'plugins'),
        SECRETS_DIR: secretsDir,
        SECRETS_ENV_ALLOW: 'EXFIL_ALLOWED_*',
        // The outbound guard refuses loopback unless it is allowed; the provider lives there.
        OUTBOUND_ALLOW_CIDRS: '127.0.0.1/32',
      },
    });
    const providers = await t.request('GET', '/api/v1/providers');
    expect(JSON.stringify(providers.body)).toContain(PROVIDER);
  });

  afterAll(async () => {
    await t?.close();
    await t?.backend.dispose();
    await provider?.close();
    for (const [name, value] of previousEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(root, { recursive: true, force: true });
  });

  function registration(name: string, token: string) {
    return {
      name,
      type: 'scm',
      provider: PROVIDER,
      endpoint: provider.url,
      settings: {},
      credentials: { token },
    };
  }

  function expectNothingSent(): void {
    const seen = JSON.stringify(provider.received);
    for (const value of NEVER_SENT) {
      for (const form of redactionForms(value)) expect(seen).not.toContain(form);
    }
  }

  /** The credential's field errors of a refused request, which must be problem+json. */
  function credentialErrors(response: { status: number; headers: Headers; body: any }) {
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const errors = (response.body.errors as { path: string; message: string }[]).filter((error) =>
      error.path.startsWith('/credentials'),
    );
    expect(errors).toHaveLength(1);
    return errors;
  }

  const refusedAtRegistration: [string, string][] = [
    ['the JWT key', 'authref://env/AUTH_JWT_SECRET'],
    ['the database URL', 'authref://env/DATABASE_URL'],
    ['PATH', 'authref://env/PATH'],
    ['a variable the operator did not allow', 'authref://env/EXFIL_DENIED_TOKEN'],
    ["another tenant's file, by ..", 'authref://file/../globex/token'],
    ['a path out of the secrets folder', 'authref://file/../../outside.txt'],
  ];

  it.each(refusedAtRegistration)(
    'refuses %s at registration, at PATCH and in a draft test',
    async (_, token) => {
      const before = await t.database.integrations.count('acme');
      const register = await t.request('POST', '/api/v1/integrations', {
        body: registration(`refused-${before}`, token),
      });
      expect(credentialErrors(register)[0]?.path).toBe('/credentials/token');
      const draft = await t.request('POST', '/api/v1/integrations/test', {
        body: registration('draft', token),
      });
      expect(credentialErrors(draft)).toEqual(credentialErrors(register));
      expect(await t.database.integrations.count('acme')).toBe(before);
      expectNothingSent();
    },
  );

  it('refuses a PATCH to a reference outside the allowance, keeping the saved one', async () => {
    const saved = await t.request('POST', '/api/v1/integrations', {
      body: registration('patched', 'authref://env/EXFIL_ALLOWED_TOKEN'),
    });
    expect(saved.status).toBe(201);
    const patch = await t.request('PATCH', `/api/v1/integrations/${saved.body.id}`, {
      body: { credentials: { token: 'authref://env/AUTH_JWT_SECRET' } },
    });
    expect(credentialErrors(patch)).toEqual([
      { path: '/credentials/token', message: ENV_NOT_ALLOWED },
    ]);
    const after = await t.database.integrations.findById('acme', saved.body.id);
    expect(after?.credentials).toEqual({ token: 'authref://env/EXFIL_ALLOWED_TOKEN' });
  });

  it('answers in one message whether or not the variable exists', async () => {
    const messagesFor = async (token: string) => {
      const register = await t.request('POST', '/api/v1/integrations', {
        body: registration('oracle', token),
      });
      return credentialErrors(register);
    };
    const pairs = [
      ['authref://env/AUTH_JWT_SECRET', 'authref://env/AUTH_JWT_UNSET_VARIABLE'],
      ['authref://env/EXFIL_DENIED_TOKEN', 'authref://env/EXFIL_DENIED_UNSET'],
      ['authref://env/DATABASE_URL', 'authref://env/EXFIL_NEVER_SET'],
    ];
    for (const [set, unset] of pairs) {
      const expected = [{ path: '/credentials/token', message: ENV_NOT_ALLOWED }];
      expect(await messagesFor(set!)).toEqual(expected);
      expect(await messagesFor(unset!)).toEqual(expected);
    }
  });

  describe('rows that got into the catalog by other means', () => {
    const inserted: [string, string][] = [
      ['the JWT key', 'authref://env/AUTH_JWT_SECRET'],
      ['an unset service variable', 'authref://env/AUTH_JWT_UNSET_VARIABLE'],
      ['the database URL', 'authref://env/DATABASE_URL'],
      ['PATH', 'authref://env/PATH'],
      ['a variable the operator did not allow', 'authref://env/EXFIL_DENIED_TOKEN'],
      ['an unset variable the operator did not allow', 'authref://env/EXFIL_DENIED_UNSET'],
      ["another tenant's file, by ..", 'authref://file/../globex/token'],
      [
        "another tenant's file, by name (a path of acme's own folder)",
        'authref://file/globex/token',
      ],
      ["a link to another tenant's file", 'authref://file/escape'],
      ['a link out of the secrets folder', 'authref://file/escape-out'],
    ];
    const ids = new Map<string, string>();

    beforeAll(async () => {
      for (const [label, token] of inserted) {
        const row = await t.database.integrations.insert({
          tenantId: 'acme',
          name: `inserted ${label}`,
          type: 'scm',
          provider: PROVIDER,
          endpoint: provider.url,
          settings: {},
          credentials: { token },
          healthCheckIntervalSeconds: 300,
          tags: [],
          createdBy: 'exfiltration-spec',
        });
        ids.set(token, row.id);
      }
    });

    it.each(inserted)('never resolves %s at test or health check time', async (_, token) => {
      for (const operation of ['test', 'health/check']) {
        const response = await t.request(
          'POST',
          `/api/v1/integrations/${ids.get(token)}/${operation}`,
        );
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ success: false });
        expect(['auth', 'config']).toContain(response.body.phase);
        expect(response.body.message).toMatch(/^credential 'token' is unavailable: /);
        for (const value of NEVER_SENT) expect(response.text).not.toContain(value);
      }
      expectNothingSent();
      expect(provider.received).toEqual([]);
    });

    it('gives one message for a variable that is set and one that is not', async () => {
      const messageOf = async (token: string) =>
        (await t.request('POST', `/api/v1/integrations/${ids.get(token)}/test`)).body.message;
      const notAllowed = `credential 'token' is unavailable: ${ENV_NOT_ALLOWED}`;
      for (const token of [
        'authref://env/AUTH_JWT_SECRET',
        'authref://env/AUTH_JWT_UNSET_VARIABLE',
        'authref://env/EXFIL_DENIED_TOKEN',
        'authref://env/EXFIL_DENIED_UNSET',
      ]) {
        expect(await messageOf(token)).toBe(notAllowed);
      }
      const absent = await messageOf('authref://file/globex/token');
      expect(await messageOf('authref://file/escape')).toBe(
        absent.replace('globex/token', 'escape'),
      );
      expect(await messageOf('authref://file/escape-out')).toBe(
        absent.replace('globex/token', 'escape-out'),
      );
    });
  });

  it.each([
    ['an allowed variable', 'authref://env/EXFIL_ALLOWED_TOKEN', ALLOWED_VALUE],
    ["a file of the tenant's own folder", 'authref://file/token', OWN_FILE_VALUE],
  ])('resolves %s, and redacts it in every form it was echoed in', async (_, token, value) => {
    const saved = await t.request('POST', '/api/v1/integrations', {
      body: registration(`allowed ${token}`, token),
    });
    expect(saved.status).toBe(201);
    provider.received.length = 0;
    const result = await t.request('POST', `/api/v1/integrations/${saved.body.id}/test`);
    expect(result.body).toMatchObject({ success: true, status: 'healthy' });
    expect(provider.received).toHaveLength(1);
    expect(provider.received[0]?.['authorization']).toBe(`Bearer ${value}`);
    expect(provider.received[0]?.['x-basic']).toBe(
      `Basic ${Buffer.from(`probe:${value}`).toString('base64')}`,
    );
    for (const form of redactionForms(value)) expect(result.text).not.toContain(form);
    expect(result.body.message).toMatch(/^sent \[REDACTED\] and Basic [A-Za-z0-9+/]*\[REDACTED\]$/);
    const events = await t.request('GET', '/api/v1/events?limit=500');
    for (const form of redactionForms(value)) expect(events.text).not.toContain(form);
    const health = await t.request('GET', `/api/v1/integrations/${saved.body.id}/health`);
    for (const form of redactionForms(value)) expect(health.text).not.toContain(form);
    provider.received.length = 0;
  });
});
