import type { AuthRef } from '@stellaops/integrations-core';
import { jsonField } from './json-field';
import { SecretResolutionError } from './secret-resolution.error';
import type { SecretResolver } from './secret-resolver';

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `authref://env/NAME` is the service's environment variable NAME; with `#key`, the variable holds
 * a JSON object and the reference is its field `key`. Read on every call; nothing is kept.
 */
export class EnvSecretResolver implements SecretResolver {
  readonly store = 'env';

  constructor(private readonly env: Readonly<Record<string, string | undefined>> = process.env) {}

  async resolve(ref: AuthRef): Promise<string> {
    if (!VARIABLE_NAME.test(ref.path)) {
      throw new SecretResolutionError(
        `'${ref.path}' is not an environment variable name (letters, digits and _, no slashes)`,
      );
    }
    const value = this.env[ref.path];
    if (value === undefined) {
      throw new SecretResolutionError(`environment variable ${ref.path} is not set`);
    }
    const resolved =
      ref.key === undefined ? value : jsonField(value, ref.key, `environment variable ${ref.path}`);
    if (resolved === '') {
      throw new SecretResolutionError(
        ref.key === undefined
          ? `environment variable ${ref.path} is empty`
          : `field '${ref.key}' of environment variable ${ref.path} is empty`,
      );
    }
    return resolved;
  }
}
