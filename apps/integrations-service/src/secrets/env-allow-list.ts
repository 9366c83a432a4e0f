import { ConfigError } from '../config/config.error';
import { isServiceVariable, serviceVariablesMatching } from './service-variables';

export const ENV_ALLOW_VARIABLE = 'SECRETS_ENV_ALLOW';

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * SECRETS_ENV_ALLOW's entries: variable names (`HARBOR_ROBOT`) and prefixes ending in `*`
 * (`GITHUB_APP_*`), comma-separated; nothing when unset. A bare `*` and an entry naming one of
 * the service's own variables are configuration errors: both would say the operator meant to hand
 * out what must never leave the service.
 */
export function parseEnvAllowList(raw: string | undefined): readonly string[] {
  const entries = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    const name = entry.endsWith('*') ? entry.slice(0, -1) : entry;
    if (name === '') {
      throw new ConfigError(
        `${ENV_ALLOW_VARIABLE} must not allow every variable ('*'): list names or prefixes such as GITHUB_APP_*`,
      );
    }
    if (!VARIABLE_NAME.test(name)) {
      throw new ConfigError(
        `${ENV_ALLOW_VARIABLE} entries are variable names or prefixes ending in * (letters, digits and _; got '${entry}')`,
      );
    }
    if (name === entry && isServiceVariable(name)) {
      throw new ConfigError(
        `${ENV_ALLOW_VARIABLE} names ${name}, one of the service's own variables, which tenants can never use: give the tenant's secret a variable of its own`,
      );
    }
  }
  return Object.freeze([...new Set(entries)]);
}

/**
 * Which environment variables the `env` store may resolve: those SECRETS_ENV_ALLOW names or
 * prefixes, minus the service's own variables, which no entry can allow.
 */
export class EnvAllowList {
  private readonly names: ReadonlySet<string>;
  private readonly prefixes: readonly string[];

  constructor(entries: readonly string[]) {
    this.names = new Set(entries.filter((entry) => !entry.endsWith('*')));
    this.prefixes = entries
      .filter((entry) => entry.endsWith('*'))
      .map((entry) => entry.slice(0, -1));
  }

  allows(name: string): boolean {
    if (!VARIABLE_NAME.test(name) || isServiceVariable(name)) return false;
    return this.names.has(name) || this.prefixes.some((prefix) => name.startsWith(prefix));
  }

  /** One line for each prefix that also matches service variables, which stay refused. */
  warnings(): string[] {
    return this.prefixes.flatMap((prefix) => {
      const covered = serviceVariablesMatching(prefix);
      return covered.length === 0
        ? []
        : [
            `${ENV_ALLOW_VARIABLE} entry ${prefix}* also matches the service's own variables (${covered.join(
              ', ',
            )}): those stay refused to every tenant; narrow the prefix to say what you mean`,
          ];
    });
  }
}
