import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

const SECRET_BYTES = 32;

export interface LocalSecret {
  /** The secret's bytes. */
  readonly key: Uint8Array;
  /** Whether this call made the file (the first start on this data folder). */
  readonly created: boolean;
  readonly file: string;
  /** Whether group or others may read the file (someone loosened its 0600 mode). */
  readonly exposed: boolean;
}

function decode(text: string, file: string): Uint8Array {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64url');
  if (!/^[A-Za-z0-9_-]+$/.test(trimmed) || key.length < SECRET_BYTES) {
    throw new Error(
      `${file} does not hold a base64url secret of ${SECRET_BYTES} bytes: delete it to make a new one (tokens issued with the old one stop working)`,
    );
  }
  return new Uint8Array(key);
}

/**
 * Reads a secret the service keeps in its data folder (the local token-signing key, the local
 * credentials encryption key), making it when it is missing. The file appears
 * complete or not at all: it is written under a temporary name and hard-linked into place, which
 * fails when another process got there first, so two first starts agree on one secret.
 */
export async function loadLocalSecret(dataDir: string, fileName: string): Promise<LocalSecret> {
  const file = path.join(dataDir, fileName);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  let created = false;
  try {
    await stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    created = await createSecretFile(file);
  }
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const [text, stats] = await Promise.all([readFile(handle, 'utf8'), handle.stat()]);
    return { key: decode(text, file), created, file, exposed: (stats.mode & 0o077) !== 0 };
  } finally {
    await handle.close();
  }
}

async function createSecretFile(file: string): Promise<boolean> {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, `${randomBytes(SECRET_BYTES).toString('base64url')}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  try {
    await link(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary);
  }
}
