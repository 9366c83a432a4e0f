import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { CredentialsDecryptionError } from './errors/credentials-decryption.error';

const ALGORITHM = 'aes-256-gcm';
/** The envelope's format: AES-256-GCM, a 96-bit random IV, the key named by `kid`. */
export const SEALED_FORMAT = 'aes-256-gcm/v1';
const IV_BYTES = 12;
const KEY_BYTES = 32;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** What a key id may be: it is stored in every envelope sealed with the key, and named in logs. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** The field whose envelopes are bound to the row alone (see `associatedData`). */
export const CREDENTIALS_FIELD = 'credentials';

/** One key of a keyring. */
export interface KeyringKey {
  /**
   * How envelopes name the key ([A-Za-z0-9_-]{1,32}). Absent: its fingerprint, the id a single
   * `encryptionKey` has always stamped, so rows sealed under that key keep opening unchanged.
   */
  readonly id?: string | undefined;
  /** 32 random bytes, or their base64 or hex text. */
  readonly key: Uint8Array | string;
}

export interface KeyringOptions {
  readonly keys: readonly KeyringKey[];
  /** The key new values are sealed with; may be omitted when there is exactly one key. */
  readonly activeKeyId?: string | undefined;
}

/**
 * A sealed JSON value as it is stored inside a jsonb column. The key id comes first in what a
 * reader checks: a value sealed under a key that is not configured is named, not guessed at.
 */
export interface SealedValue {
  readonly $encrypted: typeof SEALED_FORMAT;
  /** The id of the key it was sealed with (a key's fingerprint, for rows sealed before keyrings). */
  readonly kid: string;
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

interface RingKey {
  readonly id: string;
  readonly fingerprint: string;
  readonly key: Buffer;
}

/** Whether a stored value is an envelope (of any format) rather than a plain JSON value. */
export function isSealedValue(value: unknown): value is { readonly $encrypted: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.prototype.hasOwnProperty.call(value, '$encrypted')
  );
}

/** The first 16 hex digits of the key's SHA-256: names a key without revealing it. */
export function keyFingerprint(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

function decodeKey(key: Uint8Array | string, label: string): Buffer {
  if (typeof key !== 'string') {
    if (key.length !== KEY_BYTES) {
      throw new Error(`${label} must be ${KEY_BYTES} random bytes (got ${key.length})`);
    }
    return Buffer.from(key);
  }
  const text = key.trim();
  if (HEX_KEY.test(text)) return Buffer.from(text, 'hex');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === KEY_BYTES && bytes.toString('base64') === text) return bytes;
  throw new Error(
    `${label} must be ${KEY_BYTES} random bytes, base64 or hex encoded (e.g. the output of \`openssl rand -base64 32\`)`,
  );
}

/**
 * The associated data bound into an envelope: the row's tenant and id, and the field, so that a
 * sealed value copied onto another row, another tenant's row or another field of the same row
 * fails to open instead of handing over someone else's secret. The credentials keep the form
 * rows have been sealed with from the start (a uuid id has a fixed length, so tenant and id
 * cannot be re-split); any other field has a distinct prefix and a JSON list, so no field's
 * data can equal another's.
 */
function associatedData(tenantId: string, id: string, field: string): Buffer {
  if (field === CREDENTIALS_FIELD) return Buffer.from(`integrations:${tenantId}:${id}`, 'utf8');
  return Buffer.from(`integrations/field:${JSON.stringify([tenantId, id, field])}`, 'utf8');
}

/**
 * How a message names what failed to open, without any of its content, and the verbs that agree
 * with it: the credentials (a map, "are") or one sealed value ("is").
 */
function subject(field: string, id: string) {
  return field === CREDENTIALS_FIELD
    ? {
        what: `the credentials of integration ${id}`,
        are: 'are',
        were: 'were',
        use: 'use',
        they: 'they were',
      }
    : {
        what: `the sealed value "${field}" of integration ${id}`,
        are: 'is',
        were: 'was',
        use: 'uses',
        they: 'it was',
      };
}

/**
 * The keys that seal values at rest: AES-256-GCM, each envelope naming the key it was sealed
 * with, bound to its row (tenant, id) and field. Values are sealed with the active key; any key
 * of the ring opens what it sealed, so that a rotation can move rows from an old key to a new
 * one while both are configured. An empty ring seals nothing (`encrypts` is false).
 */
export class CredentialsKeyring {
  /** The ids of the ring's keys, in the order given. */
  readonly keyIds: readonly string[];
  readonly activeKeyId: string | undefined;
  private readonly byKid: ReadonlyMap<string, RingKey>;
  private readonly active: RingKey | undefined;

  private constructor(keys: readonly RingKey[], active: RingKey | undefined) {
    this.keyIds = keys.map((key) => key.id);
    this.active = active;
    this.activeKeyId = active?.id;
    const byKid = new Map<string, RingKey>();
    for (const key of keys) byKid.set(key.id, key);
    // Envelopes sealed before keyrings name their key by its fingerprint: the key opens them
    // whatever id the ring gives it now.
    for (const key of keys) if (!byKid.has(key.fingerprint)) byKid.set(key.fingerprint, key);
    this.byKid = byKid;
  }

  /** A ring with no keys: values are stored as they are. */
  static empty(): CredentialsKeyring {
    return new CredentialsKeyring([], undefined);
  }

  /** @throws Error naming the key at fault: a bad id or key, a duplicate, no active key */
  static create(options: KeyringOptions): CredentialsKeyring {
    const keys = options.keys.map((entry, index): RingKey => {
      const label = entry.id === undefined ? `encryption key #${index + 1}` : `key "${entry.id}"`;
      const key = decodeKey(entry.key, label);
      const fingerprint = keyFingerprint(key);
      const id = entry.id ?? fingerprint;
      if (!KEY_ID_PATTERN.test(id)) {
        throw new Error(
          `key id "${id}" is not valid: use 1 to 32 letters, digits, underscores or hyphens`,
        );
      }
      return { id, fingerprint, key };
    });
    for (const [index, key] of keys.entries()) {
      for (const other of keys.slice(0, index)) {
        if (other.id === key.id) throw new Error(`key id "${key.id}" is given twice`);
        if (other.key.equals(key.key)) {
          throw new Error(`keys "${other.id}" and "${key.id}" are the same key: give it once`);
        }
        // A legacy envelope names its key by fingerprint: that must not find another key.
        if (other.id === key.fingerprint || key.id === other.fingerprint) {
          throw new Error(
            `key ids "${other.id}" and "${key.id}": one is the fingerprint of the other key; choose another id`,
          );
        }
      }
    }
    if (keys.length === 0) {
      if (options.activeKeyId !== undefined) {
        throw new Error(`the active key "${options.activeKeyId}" is not in the keyring (empty)`);
      }
      return CredentialsKeyring.empty();
    }
    const [only] = keys;
    const activeId = options.activeKeyId ?? (keys.length === 1 ? only?.id : undefined);
    if (activeId === undefined) {
      throw new Error(
        `the keyring has ${keys.length} keys (${keys.map((key) => key.id).join(', ')}): name the active one`,
      );
    }
    const active = keys.find((key) => key.id === activeId);
    if (active === undefined) {
      throw new Error(
        `the active key "${activeId}" is not in the keyring (${keys.map((key) => key.id).join(', ')})`,
      );
    }
    return new CredentialsKeyring(keys, active);
  }

  /** The single key of `DatabaseOptions.encryptionKey`, named by its fingerprint. */
  static fromEncryptionKey(encryptionKey: string | undefined): CredentialsKeyring {
    if (encryptionKey === undefined) return CredentialsKeyring.empty();
    return CredentialsKeyring.create({ keys: [{ key: encryptionKey }] });
  }

  get encrypts(): boolean {
    return this.active !== undefined;
  }

  /**
   * The ids an envelope sealed with this ring's key `keyId` may carry: the id, and the key's
   * fingerprint (what envelopes sealed before keyrings carry).
   */
  kidsOf(keyId: string): readonly string[] {
    const key = this.byKid.get(keyId);
    if (key === undefined || key.id !== keyId) {
      throw new Error(
        `key "${keyId}" is not in the keyring (${this.keyIds.join(', ') || 'empty'})`,
      );
    }
    return key.fingerprint === key.id ? [key.id] : [key.id, key.fingerprint];
  }

  /** Whether `stored` is an envelope sealed with the active key under its id. */
  isSealedUnderActiveKey(stored: unknown): boolean {
    return (
      this.active !== undefined &&
      isSealedValue(stored) &&
      stored.$encrypted === SEALED_FORMAT &&
      (stored as Partial<SealedValue>).kid === this.active.id
    );
  }

  /**
   * Seals a JSON value for one field of one row with the active key.
   * @throws Error when the ring has no key (check `encrypts` first)
   */
  seal(value: unknown, tenantId: string, id: string, field: string): SealedValue {
    const key = this.active;
    if (key === undefined) throw new Error('the keyring has no key to seal with');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key.key, iv);
    cipher.setAAD(associatedData(tenantId, id, field));
    const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return {
      $encrypted: SEALED_FORMAT,
      kid: key.id,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
  }

  /**
   * Opens an envelope `seal` made for the same row and field, with whichever key of the ring
   * it names. Messages name the row, the field and the key id, never the content.
   * @throws CredentialsDecryptionError: not an envelope of a known format, a key the ring lacks,
   * or an envelope that fails authentication (altered, or sealed for another row or field)
   */
  open(stored: unknown, tenantId: string, id: string, field: string): unknown {
    const { what, are, were, use, they } = subject(field, id);
    if (!isSealedValue(stored)) {
      throw new CredentialsDecryptionError(`${what} ${are} not an encrypted value`);
    }
    const envelope = stored as Partial<Record<keyof SealedValue, unknown>>;
    if (envelope.$encrypted !== SEALED_FORMAT) {
      throw new CredentialsDecryptionError(
        `${what} ${use} an unknown format (${describe(envelope.$encrypted)})`,
      );
    }
    const { kid, iv, tag, data } = envelope;
    if (typeof kid !== 'string' || typeof iv !== 'string' || typeof tag !== 'string') {
      throw new CredentialsDecryptionError(
        `${what} ${are} a malformed envelope (kid, iv and tag must be texts): ${they} altered`,
      );
    }
    if (typeof data !== 'string') {
      throw new CredentialsDecryptionError(
        `${what} ${are} a malformed envelope (data must be a text): ${they} altered`,
      );
    }
    const key = this.byKid.get(kid);
    if (key === undefined) {
      throw new CredentialsDecryptionError(
        this.active === undefined
          ? `${what} ${are} encrypted (key ${describe(kid)}) but no encryption key is configured: configure that key`
          : `${what} ${were} encrypted with another key (${describe(kid)}), which is not in the keyring (${this.keyIds.join(', ')}): add that key`,
      );
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, key.key, Buffer.from(iv, 'base64'));
      decipher.setAAD(associatedData(tenantId, id, field));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as unknown;
    } catch (error) {
      throw new CredentialsDecryptionError(
        field === CREDENTIALS_FIELD
          ? `${what} failed authentication under key ${key.id}: they were altered or belong to another row`
          : `${what} failed authentication under key ${key.id}: it was altered or belongs to another row or field`,
        { cause: error },
      );
    }
  }
}

/** A stored id or format in a message: quoted, and cut short, since it came from the row. */
function describe(value: unknown): string {
  if (typeof value !== 'string') return `a ${value === null ? 'null' : typeof value}`;
  return KEY_ID_PATTERN.test(value) || /^[\w/.-]{1,40}$/.test(value)
    ? `"${value}"`
    : `an id that is not one (${value.length} characters)`;
}
