import { hkdfSync } from 'node:crypto';
import { ConfigError } from '../config/config.error';
import type { Env } from '../config/env-values';
import { nonEmpty } from '../config/env-values';

export const AUDIT_HMAC_KEY_VARIABLE = 'AUDIT_HMAC_KEY';
const KEY_BYTES = 32;
// Fixed labels: the derived key is AUTH_JWT_SECRET's for this one use, unrelated to the JWT key.
const DERIVATION_SALT = 'stellaops-integrations';
const DERIVATION_INFO = 'audit trail: credential reference HMAC v1';

/**
 * Where the key of the audit trail's reference HMACs comes from. Every replica on one database
 * must use the same key, or the HMACs of one reference would differ between their entries.
 */
export type AuditHmacKeySource =
  /** AUDIT_HMAC_KEY, 32 bytes, base64 or hex. */
  | { readonly from: 'AUDIT_HMAC_KEY'; readonly key: Buffer }
  /** With DATABASE_URL and no AUDIT_HMAC_KEY: HKDF-SHA256 of AUTH_JWT_SECRET, which replicas share. */
  | { readonly from: 'AUTH_JWT_SECRET'; readonly key: Buffer }
  /** The embedded database (one process per data folder): a key kept in the data folder. */
  | { readonly from: 'data-folder' };

/** The audit trail's slice of the configuration. */
export interface AuditConfig {
  readonly hmacKey: AuditHmacKeySource;
}

const HEX_KEY = new RegExp(`^[0-9a-fA-F]{${KEY_BYTES * 2}}$`);
/** 32 bytes are 43 base64 characters and one '=' of padding. */
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=?$/;

/** 32 bytes as hex, base64 or base64url (padded or not); the value is never quoted back. */
function decodeKey(text: string): Buffer {
  if (HEX_KEY.test(text)) return Buffer.from(text, 'hex');
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  if (BASE64_KEY.test(base64)) {
    const key = Buffer.from(base64, 'base64');
    // Only the canonical spelling: a last character with stray low bits is a mistyped key.
    if (key.toString('base64') === base64.padEnd(44, '=')) return key;
  }
  throw new ConfigError(
    `${AUDIT_HMAC_KEY_VARIABLE} must be ${KEY_BYTES} random bytes, base64 or hex encoded (e.g. the output of \`openssl rand -base64 32\`)`,
  );
}

export function loadAuditConfig(env: Env): AuditConfig {
  const configured = nonEmpty(env, AUDIT_HMAC_KEY_VARIABLE);
  if (configured !== undefined) {
    return { hmacKey: { from: 'AUDIT_HMAC_KEY', key: decodeKey(configured) } };
  }
  const jwtSecret = nonEmpty(env, 'AUTH_JWT_SECRET');
  // The embedded database, and local auth (its JWT secret is in the data folder too: one
  // machine), keep the key in the data folder.
  const localAuth = jwtSecret === undefined && nonEmpty(env, 'AUTH_JWKS_URL') === undefined;
  if (nonEmpty(env, 'DATABASE_URL') === undefined || localAuth) {
    return { hmacKey: { from: 'data-folder' } };
  }
  if (jwtSecret === undefined) {
    throw new ConfigError(
      `${AUDIT_HMAC_KEY_VARIABLE} must be set with DATABASE_URL and AUTH_JWKS_URL: every replica must HMAC credential references in the audit trail with the same key (${KEY_BYTES} random bytes, base64 or hex, e.g. the output of \`openssl rand -base64 32\`)`,
    );
  }
  const key = Buffer.from(
    hkdfSync('sha256', jwtSecret, DERIVATION_SALT, DERIVATION_INFO, KEY_BYTES),
  );
  return { hmacKey: { from: 'AUTH_JWT_SECRET', key } };
}
