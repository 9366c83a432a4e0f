/** The environment does not describe a runnable service. The message says which variable to fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
