import type { AuthRef } from '@stellaops/integrations-core';
import type { EnvAllowList } from './env-allow-list';
import { ENV_ALLOW_VARIABLE } from './env-allow-list';
import { jsonField } from './json-field';
import { SecretResolutionError } from './secret-resolution.error';
import type { SecretResolver } from './secret-resolver';

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One text for every variable the allow-list refuses, set or not, the service's own or not: a
 * tenant learns nothing about the environment from it.
 */
export const ENV_NOT_ALLOWED = `it names an environment variable that tenants may not use (the operator allows variables with ${ENV_ALLOW_VARIABLE})`;

/**
 * `authref://env/NAME` is the service's environment variable NAME, when SECRETS_ENV_ALLOW allows
 * it; with `#key`, the variable holds a JSON object and the reference is its field `key`. Read on
 * every call; nothing is kept.
 */
export class EnvSecretResolver implements SecretResolver {
  readonly store = 'env';

  constructor(
    private readonly allowList: EnvAllowList,
    private readonly env: Readonly<Record<string, string | undefined>> = process.env,
  ) {}

  refusal(ref: AuthRef): string | undefined {
    if (!VARIABLE_NAME.test(ref.path)) {
      return 'its path is not an environment variable name (letters, digits and _, no slashes)';
    }
    return this.allowList.allows(ref.path) ? undefined : ENV_NOT_ALLOWED;
  }

  async resolve(ref: AuthRef): Promise<string> {
    const refused = this.refusal(ref);
    if (refused !== undefined) throw new SecretResolutionError(refused);
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
