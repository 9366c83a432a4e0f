import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AuthRef } from '@stellaops/integrations-core';
import { FakeAuthority } from '../../testing/fake-authority';
import type { SecretAccessContext } from '../secret-access-context';
import type { AuthorityConfig } from '../stores.config';
import { AuthoritySecretResolver } from './authority-secret-resolver';
import { resolutionFailure } from '../../testing/resolution-failure';

const SERVICE_TOKEN = 'service-credential-value';
const REF = 'authref://authority/github/app#privateKey';
const VALUE = 'pem-from-authority';

const acme: SecretAccessContext = {
  tenantId: 'acme',
  integrationId: '7d0c3f8e-0d7b-4a8e-9a57-0b7f1f4f5c11',
  actor: 'alice',
  purpose: 'health',
};

describe('AuthoritySecretResolver against the Authority', () => {
  let authority: FakeAuthority;
  let opened: AuthoritySecretResolver[];
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'authority-token-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    authority = await FakeAuthority.start({ token: SERVICE_TOKEN });
    authority.grant('acme', REF, VALUE);
    opened = [];
  });

  afterEach(async () => {
    for (const resolver of opened) resolver.onApplicationShutdown();
    // Every request of every spec named its tenant.
    expect(authority.withoutTenant).toEqual([]);
    await authority.close();
  });

  function open(config: Partial<AuthorityConfig> = {}): AuthoritySecretResolver {
    const resolver = AuthoritySecretResolver.fromConfig({
      url: authority.url,
      credential: { kind: 'token', token: SERVICE_TOKEN },
      timeoutMs: 2_000,
      caPem: undefined,
      ...config,
    });
    opened.push(resolver);
    return resolver;
  }

  function resolve(
    resolver: AuthoritySecretResolver,
    uri = REF,
    context = acme,
    signal?: AbortSignal,
  ) {
    return resolver.resolve(AuthRef.parse(uri), context, signal);
  }

  async function failure(
    promise: Promise<string>,
  ): Promise<{ message: string; isTransient: boolean }> {
    const { message, isTransient } = await resolutionFailure(promise, [VALUE, SERVICE_TOKEN]);
    return { message, isTransient };
  }

  it('posts the tenant, the reference, the integration, the purpose and the actor with the service credential', async () => {
    await expect(resolve(open())).resolves.toBe(VALUE);
    expect(authority.requests).toEqual([
      {
        method: 'POST',
        path: '/v1/secrets/resolve',
        authorization: `Bearer ${SERVICE_TOKEN}`,
        body: {
          tenant: 'acme',
          reference: REF,
          integrationId: acme.integrationId,
          purpose: 'health',
          actor: 'alice',
        },
      },
    ]);
  });

  it('asks for each tenant on its own behalf (a draft has no integration)', async () => {
    const resolver = open();
    const globex = { ...acme, tenantId: 'globex', integrationId: null };
    expect(await failure(resolve(resolver, REF, globex))).toEqual({
      message: `the Authority has no ${REF} for this tenant (404: no such secret for tenant globex)`,
      isTransient: false,
    });
    expect(authority.requests[0]?.body).toMatchObject({ tenant: 'globex', integrationId: null });
  });

  it('keeps under AUTHORITY_URL a path prefix of its own', async () => {
    // The fake answers only /v1/secrets/resolve at its root: a prefix shows as a 404 from it.
    const { message } = await failure(resolve(open({ url: `${authority.url}/api` })));
    expect(message).toMatch(/404: no route POST \/api\/v1\/secrets\/resolve/);
  });

  it('reports a denial (403) and an unknown secret (404) as permanent, with the reason', async () => {
    authority.deny('acme', REF);
    expect(await failure(resolve(open()))).toEqual({
      message: `the Authority does not let this tenant use ${REF} (403: tenant acme has no grant for this reference)`,
      isTransient: false,
    });
    expect(await failure(resolve(open(), 'authref://authority/other'))).toEqual({
      message:
        'the Authority has no authref://authority/other for this tenant (404: no such secret for tenant acme)',
      isTransient: false,
    });
  });

  it('reports a refused service credential (401) as permanent, naming the variables', async () => {
    const { message, isTransient } = await failure(
      resolve(open({ credential: { kind: 'token', token: 'stale' } })),
    );
    expect(message).toBe(
      "the Authority refused the service's credential (401: the service credential is not valid): check AUTHORITY_TOKEN or AUTHORITY_TOKEN_FILE",
    );
    expect(isTransient).toBe(false);
  });

  it('reads AUTHORITY_TOKEN_FILE at every call, so that the credential may rotate', async () => {
    const file = path.join(dir, 'token');
    await writeFile(file, `${SERVICE_TOKEN}\n`);
    const resolver = open({ credential: { kind: 'file', path: file } });
    await expect(resolve(resolver)).resolves.toBe(VALUE);
    authority.token = 'rotated-credential';
    await writeFile(file, 'rotated-credential\n');
    await expect(resolve(resolver)).resolves.toBe(VALUE);
    expect(authority.requests.map((request) => request.authorization)).toEqual([
      `Bearer ${SERVICE_TOKEN}`,
      'Bearer rotated-credential',
    ]);
    await rm(file);
    expect(await failure(resolve(resolver))).toEqual({
      message: 'AUTHORITY_TOKEN_FILE cannot be read (ENOENT)',
      isTransient: true,
    });
  });

  it.each([429, 500, 503])('reports %i as transient', async (status) => {
    authority.failWith = status;
    const { message, isTransient } = await failure(resolve(open()));
    expect(message).toContain(`(${status}: the Authority cannot answer now)`);
    expect(isTransient).toBe(true);
  });

  it('refuses an answer without a value', async () => {
    authority.grant('acme', REF, '');
    expect(await failure(resolve(open()))).toEqual({
      message: `the Authority's answer for ${REF} has no value (a non-empty string): is AUTHORITY_URL the Authority?`,
      isTransient: false,
    });
  });

  it('gives up on a slow Authority at AUTHORITY_TIMEOUT_MS, as transient', async () => {
    authority.delayMs = 10_000;
    const started = performance.now();
    expect(await failure(resolve(open({ timeoutMs: 300 })))).toEqual({
      message: 'the Authority did not answer within AUTHORITY_TIMEOUT_MS (300 ms)',
      isTransient: true,
    });
    expect(performance.now() - started).toBeLessThan(300 + 1_000);
  });

  it('reports an Authority that is down as transient', async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((done) => server.close(() => done()));
    expect(await failure(resolve(open({ url: `http://127.0.0.1:${port}` })))).toEqual({
      message:
        'cannot reach the Authority (ECONNREFUSED): check AUTHORITY_URL and that the Authority is up',
      isTransient: true,
    });
  });

  it('refuses a forged reference and a missing tenant before sending anything', async () => {
    const resolver = open();
    const forged = {
      store: 'authority',
      path: 'a/../b',
      key: undefined,
      uri: 'x',
    } as unknown as AuthRef;
    expect(resolver.refusal(forged, 'acme')).toMatch(/plain segments/);
    expect((await failure(resolver.resolve(forged, acme))).message).toMatch(/plain segments/);
    expect((await failure(resolve(resolver, REF, { ...acme, tenantId: '' }))).message).toBe(
      'the authority store resolves only for a named tenant',
    );
    expect(authority.requests).toEqual([]);
  });
});
