import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AuthRef } from '@stellaops/integrations-core';
import { FileSecretResolver } from './file-secret-resolver';
import { SecretResolutionError } from './secret-resolution.error';

describe('FileSecretResolver', () => {
  let root: string;
  let secretsDir: string;
  let resolver: FileSecretResolver;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'file-secrets-'));
    secretsDir = path.join(root, 'secrets');
    await mkdir(path.join(secretsDir, 'github'), { recursive: true });
    await mkdir(path.join(secretsDir, 'dir.pem'));
    await writeFile(
      path.join(secretsDir, 'github', 'app.pem'),
      '-----BEGIN KEY-----\nabc\n-----END KEY-----\n',
    );
    await writeFile(path.join(secretsDir, 'crlf.txt'), 'windows-value\r\n');
    await writeFile(path.join(secretsDir, 'two-newlines.txt'), 'value\n\n');
    await writeFile(path.join(secretsDir, 'empty.txt'), '\n');
    await writeFile(path.join(secretsDir, 'creds.json'), JSON.stringify({ token: 'json-token' }));
    execFileSync('mkfifo', [path.join(secretsDir, 'pipe')]);
    await writeFile(path.join(root, 'outside.txt'), 'outside-value');
    await symlink(path.join(root, 'outside.txt'), path.join(secretsDir, 'escape.txt'));
    await symlink(path.join(root), path.join(secretsDir, 'escape-dir'));
    await symlink(path.join(secretsDir, 'github', 'app.pem'), path.join(secretsDir, 'alias.pem'));
    resolver = new FileSecretResolver(secretsDir);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  function resolve(uri: string, within = resolver): Promise<string> {
    return within.resolve(AuthRef.parse(uri));
  }

  async function reason(uri: string, within = resolver): Promise<string> {
    const error: unknown = await resolve(uri, within).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretResolutionError);
    expect((error as Error).message).not.toContain('outside-value');
    expect((error as Error).message).not.toContain(root);
    return (error as Error).message;
  }

  it('reads a file with one trailing newline removed', async () => {
    await expect(resolve('authref://file/github/app.pem')).resolves.toBe(
      '-----BEGIN KEY-----\nabc\n-----END KEY-----',
    );
    await expect(resolve('authref://file/crlf.txt')).resolves.toBe('windows-value');
    await expect(resolve('authref://file/two-newlines.txt')).resolves.toBe('value\n');
  });

  it('reads a field of a JSON file', async () => {
    await expect(resolve('authref://file/creds.json#token')).resolves.toBe('json-token');
    expect(await reason('authref://file/creds.json#other')).toBe(
      "file 'creds.json' of the secrets directory has no field 'other'",
    );
  });

  it('follows a symbolic link that stays inside the directory', async () => {
    await expect(resolve('authref://file/alias.pem')).resolves.toContain('abc');
  });

  it('refuses a symbolic link leading out of the directory', async () => {
    expect(await reason('authref://file/escape.txt')).toBe(
      "file 'escape.txt' of the secrets directory leads outside the secrets directory",
    );
    expect(await reason('authref://file/escape-dir/outside.txt')).toMatch(
      /leads outside the secrets directory/,
    );
  });

  it('refuses traversal even when handed an unchecked reference', async () => {
    // AuthRef.parse refuses `..`; a resolver must not rely on that alone.
    const forged = { store: 'file', path: '../outside.txt', key: undefined } as unknown as AuthRef;
    const error: unknown = await resolver.resolve(forged).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretResolutionError);
    expect((error as Error).message).toMatch(/is outside it/);
  });

  it('says what is missing or unusable', async () => {
    expect(await reason('authref://file/nope.pem')).toBe(
      "file 'nope.pem' of the secrets directory does not exist",
    );
    expect(await reason('authref://file/github/app.pem/x')).toMatch(/does not exist/);
    expect(await reason('authref://file/dir.pem')).toBe(
      "file 'dir.pem' of the secrets directory is not a regular file",
    );
    // A FIFO without a writer would block a plain open forever.
    expect(await reason('authref://file/pipe')).toBe(
      "file 'pipe' of the secrets directory is not a regular file",
    );
    expect(await reason('authref://file/empty.txt')).toBe(
      "file 'empty.txt' of the secrets directory is empty",
    );
    expect(
      await reason('authref://file/a.pem', new FileSecretResolver(path.join(root, 'absent'))),
    ).toBe('the secrets directory does not exist: create it or set SECRETS_DIR');
  });
});
