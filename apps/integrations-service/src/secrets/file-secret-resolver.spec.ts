import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AuthRef } from '@stellaops/integrations-core';
import { FileSecretResolver, TENANT_HAS_NO_FOLDER } from './file-secret-resolver';
import { SecretResolutionError } from './secret-resolution.error';

const acme = { tenantId: 'acme', integrationId: 'i-1', actor: 'alice', purpose: 'test' as const };

describe('FileSecretResolver', () => {
  let root: string;
  let secretsDir: string;
  let resolver: FileSecretResolver;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'file-secrets-'));
    secretsDir = path.join(root, 'secrets');
    const own = path.join(secretsDir, 'acme');
    await mkdir(path.join(own, 'github'), { recursive: true });
    await mkdir(path.join(own, 'dir.pem'));
    await mkdir(path.join(secretsDir, 'globex'), { recursive: true });
    await writeFile(
      path.join(own, 'github', 'app.pem'),
      '-----BEGIN KEY-----\nabc\n-----END KEY-----\n',
    );
    await writeFile(path.join(own, 'crlf.txt'), 'windows-value\r\n');
    await writeFile(path.join(own, 'two-newlines.txt'), 'value\n\n');
    await writeFile(path.join(own, 'empty.txt'), '\n');
    await writeFile(path.join(own, 'creds.json'), JSON.stringify({ token: 'json-token' }));
    await writeFile(path.join(secretsDir, 'shared.txt'), 'outside-value');
    await writeFile(path.join(secretsDir, 'globex', 'token'), 'outside-value');
    execFileSync('mkfifo', [path.join(own, 'pipe')]);
    await writeFile(path.join(root, 'outside.txt'), 'outside-value');
    await symlink(path.join(root, 'outside.txt'), path.join(own, 'escape.txt'));
    await symlink(path.join(secretsDir, 'globex', 'token'), path.join(own, 'neighbour'));
    await symlink(path.join(root, 'nothing-here'), path.join(own, 'dangling'));
    await symlink(root, path.join(own, 'escape-dir'));
    await symlink(path.join(own, 'github', 'app.pem'), path.join(own, 'alias.pem'));
    resolver = new FileSecretResolver(secretsDir);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  function resolve(uri: string, context = acme, within = resolver): Promise<string> {
    return within.resolve(AuthRef.parse(uri), context);
  }

  async function reason(uri: string, context = acme, within = resolver): Promise<string> {
    const error: unknown = await resolve(uri, context, within).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretResolutionError);
    expect((error as Error).message).not.toContain('outside-value');
    expect((error as Error).message).not.toContain(root);
    return (error as Error).message;
  }

  it("reads a file of the tenant's folder with one trailing newline removed", async () => {
    await expect(resolve('authref://file/github/app.pem')).resolves.toBe(
      '-----BEGIN KEY-----\nabc\n-----END KEY-----',
    );
    await expect(resolve('authref://file/crlf.txt')).resolves.toBe('windows-value');
    await expect(resolve('authref://file/two-newlines.txt')).resolves.toBe('value\n');
  });

  it('reads a field of a JSON file', async () => {
    await expect(resolve('authref://file/creds.json#token')).resolves.toBe('json-token');
    expect(await reason('authref://file/creds.json#other')).toBe(
      "file 'creds.json' of this tenant's secrets folder has no field 'other'",
    );
  });

  it('follows a symbolic link that stays inside the folder', async () => {
    await expect(resolve('authref://file/alias.pem')).resolves.toContain('abc');
  });

  it("never reads another tenant's file or the secrets directory itself", async () => {
    const absent =
      "file 'globex/token' of this tenant's secrets folder does not exist or leads outside the folder";
    expect(await reason('authref://file/globex/token')).toBe(absent);
    expect(await reason('authref://file/shared.txt')).toMatch(/does not exist or leads outside/);
    await expect(resolve('authref://file/token', { ...acme, tenantId: 'globex' })).resolves.toBe(
      'outside-value',
    );
  });

  it('answers a link out of the folder as it answers a missing file', async () => {
    const messages = await Promise.all(
      ['escape.txt', 'neighbour', 'dangling', 'missing.txt'].map((file) =>
        reason(`authref://file/${file}`),
      ),
    );
    expect(messages.map((message) => message.replace(/'[^']*'/, "'…'"))).toEqual(
      Array(4).fill(
        "file '…' of this tenant's secrets folder does not exist or leads outside the folder",
      ),
    );
    expect(await reason('authref://file/escape-dir/outside.txt')).toMatch(/leads outside/);
  });

  it('refuses traversal even when handed an unchecked reference, before touching the disk', async () => {
    // AuthRef.parse refuses `..`; a resolver must not rely on that alone.
    const forged = { store: 'file', path: '../globex/token', key: undefined } as unknown as AuthRef;
    expect(resolver.refusal(forged, 'acme')).toMatch(/must stay inside the tenant's folder/);
    const error: unknown = await resolver.resolve(forged, acme).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretResolutionError);
    expect((error as Error).message).toMatch(/must stay inside the tenant's folder/);
  });

  it.each(['..', '.', '', 'a/b', '../globex', '.hidden', '-x', 'é'])(
    "refuses tenant '%s', whose name is not a plain folder name",
    async (tenantId) => {
      const ref = AuthRef.parse('authref://file/token');
      expect(resolver.refusal(ref, tenantId)).toBe(TENANT_HAS_NO_FOLDER);
      expect(await reason('authref://file/token', { ...acme, tenantId })).toBe(
        TENANT_HAS_NO_FOLDER,
      );
    },
  );

  it('says what is missing or unusable', async () => {
    expect(await reason('authref://file/github/app.pem/x')).toMatch(/does not exist/);
    expect(await reason('authref://file/dir.pem')).toBe(
      "file 'dir.pem' of this tenant's secrets folder is not a regular file",
    );
    // A FIFO without a writer would block a plain open forever.
    expect(await reason('authref://file/pipe')).toBe(
      "file 'pipe' of this tenant's secrets folder is not a regular file",
    );
    expect(await reason('authref://file/empty.txt')).toBe(
      "file 'empty.txt' of this tenant's secrets folder is empty",
    );
    expect(await reason('authref://file/a.pem', { ...acme, tenantId: 'initech' })).toBe(
      'this tenant has no secrets folder: the operator creates one named after the tenant in SECRETS_DIR',
    );
  });
});
