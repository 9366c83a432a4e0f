import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { AuthRef } from '@stellaops/integrations-core';
import { jsonField } from './json-field';
import type { SecretAccessContext } from './secret-access-context';
import { SecretResolutionError } from './secret-resolution.error';
import type { SecretResolver } from './secret-resolver';

/** A secret is a key or a token, not a data set: refuse to read anything larger. */
const MAX_SECRET_BYTES = 1_048_576;

/** A tenant's folder is named after the tenant: only names that are one plain path segment. */
const TENANT_FOLDER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export const TENANT_HAS_NO_FOLDER =
  'the file store has no folder for this tenant: its name is not a plain folder name (letters, digits, _ . -, starting with a letter or digit)';

function isInside(directory: string, candidate: string): boolean {
  const relative = path.relative(directory, candidate);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * `authref://file/a/b.pem` is the file `a/b.pem` of the tenant's own folder,
 * `<secrets directory>/<tenant>/a/b.pem`, with one trailing newline removed; with `#key`, the file
 * holds a JSON object and the reference is its field `key`. A reference never leaves the tenant's
 * folder, through `..` or through a symbolic link: where a link finally leads is what counts.
 */
export class FileSecretResolver implements SecretResolver {
  readonly store = 'file';

  constructor(private readonly directory: string) {}

  refusal(ref: AuthRef, tenantId: string): string | undefined {
    if (!TENANT_FOLDER.test(tenantId)) return TENANT_HAS_NO_FOLDER;
    // AuthRef.parse refuses these already; a resolver must not rely on its caller for that.
    const segments = ref.path.split('/');
    if (path.isAbsolute(ref.path) || segments.some((s) => s === '' || s === '.' || s === '..')) {
      return "its path must stay inside the tenant's folder (no empty, . or .. segments)";
    }
    return undefined;
  }

  async resolve(ref: AuthRef, context: SecretAccessContext, signal?: AbortSignal): Promise<string> {
    const refused = this.refusal(ref, context.tenantId);
    if (refused !== undefined) throw new SecretResolutionError(refused);
    const what = `file '${ref.path}' of this tenant's secrets folder`;
    const handle = await this.openInside(context.tenantId, ref.path, what);
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

  private async openInside(
    tenantId: string,
    relativePath: string,
    what: string,
  ): Promise<FileHandle> {
    let root: string;
    try {
      // The operator may mount a tenant's folder from elsewhere (a link here): its target is the root.
      root = await realpath(path.join(this.directory, tenantId));
    } catch (error) {
      throw new SecretResolutionError(
        errorCode(error) === 'ENOENT'
          ? 'this tenant has no secrets folder: the operator creates one named after the tenant in SECRETS_DIR'
          : `this tenant's secrets folder cannot be read (${errorCode(error) ?? 'error'})`,
      );
    }
    // A missing file and a link leading out get one answer, so that a link cannot be used to
    // learn whether something exists outside the folder.
    const absent = `${what} does not exist or leads outside the folder`;
    const lexical = path.resolve(root, relativePath);
    if (!isInside(root, lexical)) throw new SecretResolutionError(absent);
    let real: string;
    try {
      real = await realpath(lexical);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new SecretResolutionError(absent);
      throw new SecretResolutionError(`${what} cannot be read (${code ?? 'error'})`);
    }
    if (!isInside(root, real)) throw new SecretResolutionError(absent);
    try {
      // O_NOFOLLOW: the resolved path must not have become a link since it was resolved.
      return await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      const code = errorCode(error);
      throw new SecretResolutionError(
        code === 'ENOENT' || code === 'ELOOP'
          ? absent
          : `${what} cannot be read (${code ?? 'error'})`,
      );
    }
  }
}
