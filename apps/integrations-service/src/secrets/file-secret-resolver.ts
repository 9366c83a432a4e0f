import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { AuthRef } from '@stellaops/integrations-core';
import { jsonField } from './json-field';
import { SecretResolutionError } from './secret-resolution.error';
import type { SecretResolver } from './secret-resolver';

/** A secret is a key or a token, not a data set: refuse to read anything larger. */
const MAX_SECRET_BYTES = 1_048_576;

function isInside(directory: string, candidate: string): boolean {
  const relative = path.relative(directory, candidate);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * `authref://file/a/b.pem` is the file `a/b.pem` of the secrets directory, with one trailing
 * newline removed; with `#key`, the file holds a JSON object and the reference is its field `key`.
 * A reference never leaves the directory, through `..` or through a symbolic link.
 */
export class FileSecretResolver implements SecretResolver {
  readonly store = 'file';

  constructor(private readonly directory: string) {}

  async resolve(ref: AuthRef, signal?: AbortSignal): Promise<string> {
    const what = `file '${ref.path}' of the secrets directory`;
    const handle = await this.openInside(ref.path, what);
    let text: string;
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw new SecretResolutionError(`${what} is not a regular file`);
      if (stats.size > MAX_SECRET_BYTES) {
        throw new SecretResolutionError(`${what} is larger than ${MAX_SECRET_BYTES} bytes`);
      }
      text = await handle.readFile({ encoding: 'utf8', ...(signal ? { signal } : {}) });
    } catch (error) {
      if (error instanceof SecretResolutionError) throw error;
      if (signal?.aborted) {
        throw new SecretResolutionError(`reading ${what} was aborted`, { isTransient: true });
      }
      throw new SecretResolutionError(`${what} cannot be read (${errorCode(error) ?? 'error'})`, {
        isTransient: true,
      });
    } finally {
      await handle.close();
    }
    const value =
      ref.key === undefined ? text.replace(/\r?\n$/, '') : jsonField(text, ref.key, what);
    if (value === '') {
      throw new SecretResolutionError(
        ref.key === undefined ? `${what} is empty` : `field '${ref.key}' of ${what} is empty`,
      );
    }
    return value;
  }

  private async openInside(relativePath: string, what: string): Promise<FileHandle> {
    let root: string;
    try {
      root = await realpath(this.directory);
    } catch (error) {
      throw new SecretResolutionError(
        errorCode(error) === 'ENOENT'
          ? 'the secrets directory does not exist: create it or set SECRETS_DIR'
          : `the secrets directory cannot be read (${errorCode(error) ?? 'error'})`,
      );
    }
    const lexical = path.resolve(root, relativePath);
    if (!isInside(root, lexical)) throw new SecretResolutionError(`${what} is outside it`);
    let real: string;
    try {
      real = await realpath(lexical);
    } catch (error) {
      const code = errorCode(error);
      throw new SecretResolutionError(
        code === 'ENOENT' || code === 'ENOTDIR'
          ? `${what} does not exist`
          : `${what} cannot be read (${code ?? 'error'})`,
      );
    }
    // A symbolic link may point anywhere; only where it finally leads counts.
    if (!isInside(root, real)) {
      throw new SecretResolutionError(`${what} leads outside the secrets directory`);
    }
    try {
      // O_NOFOLLOW: the resolved path must not have become a link since it was resolved.
      return await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      const code = errorCode(error);
      throw new SecretResolutionError(
        code === 'ENOENT'
          ? `${what} does not exist`
          : `${what} cannot be read (${code ?? 'error'})`,
      );
    }
  }
}
