import type { Env } from '../config/env-values';

/** The credentials keyring's slice of the configuration. */
export interface KeyringConfig {
  /** Placeholder until the keyring lands: CREDENTIALS_ENCRYPTION_KEY stays in ServiceConfig. */
  readonly keys: readonly never[];
}

export function loadKeyringConfig(_env: Env): KeyringConfig {
  return { keys: [] };
}
