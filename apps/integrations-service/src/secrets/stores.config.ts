import type { Env } from '../config/env-values';

/** The remote AuthRef stores' slice of the configuration (vault, authority, the cache). */
export interface SecretStoresConfig {
  /** SECRETS_CACHE_TTL_MS: how long a remote store's answer is kept in memory (0: never). */
  readonly cacheTtlMs: number;
}

export function loadSecretStoresConfig(_env: Env): SecretStoresConfig {
  return { cacheTtlMs: 0 };
}
