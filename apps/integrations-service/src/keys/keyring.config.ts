import { ConfigError } from '../config/config.error';
import type { Env } from '../config/env-values';
import { nonEmpty } from '../config/env-values';

export const KEYS_VARIABLE = 'INTEGRATIONS_ENCRYPTION_KEYS';
export const ACTIVE_KEY_VARIABLE = 'INTEGRATIONS_ENCRYPTION_ACTIVE_KEY';
export const SINGLE_KEY_VARIABLE = 'CREDENTIALS_ENCRYPTION_KEY';

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const KEY_BYTES = 32;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const MAKE_ONE = 'make one with `openssl rand -base64 32`';

export interface KeyringKeyConfig {
  /** Absent for CREDENTIALS_ENCRYPTION_KEY: the key is then named by its fingerprint. */
  readonly id?: string;
  readonly key: Uint8Array;
}

/** The credentials keyring's slice of the configuration. */
export interface KeyringConfig {
  /**
   * Where the keys come from: INTEGRATIONS_ENCRYPTION_KEYS, CREDENTIALS_ENCRYPTION_KEY (a ring of
   * that one key, named by its fingerprint, as rows sealed under it have always been stamped),
   * or nowhere (the embedded database then keeps a key in its data folder).
   */
  readonly source: typeof KEYS_VARIABLE | typeof SINGLE_KEY_VARIABLE | 'none';
  readonly keys: readonly KeyringKeyConfig[];
  /** The key new values are sealed with; undefined for CREDENTIALS_ENCRYPTION_KEY (its only key) and for none. */
  readonly activeKeyId: string | undefined;
}

/** 32 bytes as base64 (standard or URL-safe, padded or not) — and, for the single key, hex. */
function decodeKey(text: string, hexToo: boolean): Buffer | undefined {
  if (hexToo && HEX_KEY.test(text)) return Buffer.from(text, 'hex');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== KEY_BYTES) return undefined;
  const unpadded = text.replace(/=+$/, '');
  const canonical = [bytes.toString('base64'), bytes.toString('base64url')].map((encoded) =>
    encoded.replace(/=+$/, ''),
  );
  return canonical.includes(unpadded) ? bytes : undefined;
}

/** Messages name a key by its id and position, never by its text. */
function parseKeys(raw: string): KeyringKeyConfig[] {
  const entries = raw.split(',').map((entry) => entry.trim());
  const keys: KeyringKeyConfig[] = [];
  for (const [index, entry] of entries.entries()) {
    const position = `entry ${index + 1}`;
    if (entry === '') {
      throw new ConfigError(`${KEYS_VARIABLE}: ${position} is empty (the form is id:base64,...)`);
    }
    const colon = entry.indexOf(':');
    if (colon < 0) {
      throw new ConfigError(
        `${KEYS_VARIABLE}: ${position} has no id (the form is id:base64,..., e.g. 2026-01:<32 random bytes in base64>)`,
      );
    }
    const id = entry.slice(0, colon).trim();
    if (!KEY_ID.test(id)) {
      throw new ConfigError(
        `${KEYS_VARIABLE}: the id of ${position} is not valid: use 1 to 32 letters, digits, underscores or hyphens`,
      );
    }
    if (keys.some((key) => key.id === id)) {
      throw new ConfigError(`${KEYS_VARIABLE}: the id "${id}" is given twice`);
    }
    const key = decodeKey(entry.slice(colon + 1).trim(), false);
    if (key === undefined) {
      throw new ConfigError(`${KEYS_VARIABLE}: key "${id}" is not 32 bytes in base64: ${MAKE_ONE}`);
    }
    const same = keys.find((other) => Buffer.from(other.key).equals(key));
    if (same !== undefined) {
      throw new ConfigError(
        `${KEYS_VARIABLE}: keys "${same.id ?? ''}" and "${id}" are the same key: list it once`,
      );
    }
    keys.push({ id, key });
  }
  return keys;
}

function singleKey(env: Env): Buffer | undefined {
  const raw = nonEmpty(env, SINGLE_KEY_VARIABLE);
  if (raw === undefined) return undefined;
  const key = decodeKey(raw, true);
  if (key === undefined) {
    throw new ConfigError(
      `${SINGLE_KEY_VARIABLE} must be 32 random bytes, base64 or hex encoded: ${MAKE_ONE}`,
    );
  }
  return key;
}

/**
 * INTEGRATIONS_ENCRYPTION_KEYS (`id:base64,...`) with INTEGRATIONS_ENCRYPTION_ACTIVE_KEY naming
 * the key new values are sealed with (by default the only key, when there is one); or
 * CREDENTIALS_ENCRYPTION_KEY, a ring of one key. Both may be set while an operator moves from
 * the one to the other, as long as they agree: the single key must then be one of the ring's
 * (under any id: a key also opens what was stamped with its fingerprint).
 */
export function loadKeyringConfig(env: Env): KeyringConfig {
  const rawKeys = nonEmpty(env, KEYS_VARIABLE);
  const activeKeyId = nonEmpty(env, ACTIVE_KEY_VARIABLE);
  const single = singleKey(env);
  if (rawKeys === undefined) {
    if (activeKeyId !== undefined) {
      throw new ConfigError(
        `${ACTIVE_KEY_VARIABLE} names a key of ${KEYS_VARIABLE}, which is not set: list the keys there (id:base64,...)`,
      );
    }
    return single === undefined
      ? { source: 'none', keys: [], activeKeyId: undefined }
      : { source: SINGLE_KEY_VARIABLE, keys: [{ key: single }], activeKeyId: undefined };
  }
  const keys = parseKeys(rawKeys);
  const ids = keys.map((key) => key.id).join(', ');
  if (activeKeyId === undefined && keys.length > 1) {
    throw new ConfigError(
      `${KEYS_VARIABLE} has ${keys.length} keys (${ids}): set ${ACTIVE_KEY_VARIABLE} to the one new values are sealed with`,
    );
  }
  if (activeKeyId !== undefined && !keys.some((key) => key.id === activeKeyId)) {
    throw new ConfigError(
      `${ACTIVE_KEY_VARIABLE} is "${activeKeyId}", which is not one of ${KEYS_VARIABLE} (${ids})`,
    );
  }
  if (single !== undefined && !keys.some((key) => Buffer.from(key.key).equals(single))) {
    throw new ConfigError(
      `${SINGLE_KEY_VARIABLE} is set and is not one of ${KEYS_VARIABLE} (${ids}): add it to the ring under an id (the rows sealed under it keep opening) and unset ${SINGLE_KEY_VARIABLE}`,
    );
  }
  return { source: KEYS_VARIABLE, keys, activeKeyId: activeKeyId ?? keys[0]?.id };
}
