import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadLocalSecret } from './local-secret';

const LOCAL_SECRET_FILE = 'auth-secret';

describe('loadLocalSecret', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'auth-secret-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a 32-byte base64url secret readable only by its owner, in a new data folder', async () => {
    const dataDir = path.join(dir, 'data');
    const secret = await loadLocalSecret(dataDir, LOCAL_SECRET_FILE);
    expect(secret.created).toBe(true);
    expect(secret.key).toHaveLength(32);
    const file = path.join(dataDir, LOCAL_SECRET_FILE);
    expect(secret.file).toBe(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = (await readFile(file, 'utf8')).trim();
    expect(text).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret.key).toString('base64url')).toBe(text);
    expect(secret.exposed).toBe(false);
  });

  it('reuses the secret on the next start', async () => {
    const first = await loadLocalSecret(dir, LOCAL_SECRET_FILE);
    const second = await loadLocalSecret(dir, LOCAL_SECRET_FILE);
    expect(second.created).toBe(false);
    expect(Buffer.from(second.key).equals(Buffer.from(first.key))).toBe(true);
  });

  it('agrees on one secret when several starts race to make it', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => loadLocalSecret(dir, LOCAL_SECRET_FILE)),
    );
    expect(results.filter((result) => result.created)).toHaveLength(1);
    const keys = new Set(results.map((result) => Buffer.from(result.key).toString('hex')));
    expect(keys.size).toBe(1);
  });

  it('refuses a file that does not hold a usable secret, saying how to recover', async () => {
    await writeFile(path.join(dir, LOCAL_SECRET_FILE), 'short\n', { mode: 0o600 });
    await expect(loadLocalSecret(dir, LOCAL_SECRET_FILE)).rejects.toThrow(
      /delete it to make a new one/,
    );
  });

  it('reports a secret file that others can read', async () => {
    const key = Buffer.alloc(32, 7).toString('base64url');
    await writeFile(path.join(dir, LOCAL_SECRET_FILE), key, { mode: 0o644 });
    const secret = await loadLocalSecret(dir, LOCAL_SECRET_FILE);
    expect(secret.exposed).toBe(true);
    expect(Buffer.from(secret.key).equals(Buffer.alloc(32, 7))).toBe(true);
  });
});
