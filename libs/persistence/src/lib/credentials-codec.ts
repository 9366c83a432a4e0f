import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { CredentialsDecryptionError } from './errors/credentials-decryption.error';

const ALGORITHM = 'aes-256-gcm';
const FORMAT = 'aes-256-gcm/v1';
const IV_BYTES = 12;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** How an encrypted credential map is kept in the `credentials` jsonb column. */
interface SealedCredentials {
  readonly $encrypted: string;
  /** Fingerprint of the key, so that a wrong key is named rather than guessed at. */
  readonly kid: string;
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

function isSealed(value: unknown): value is SealedCredentials {
  return typeof value === 'object' && value !== null && '$encrypted' in value;
}

function decodeKey(key: string): Buffer {
  const text = key.trim();
  if (HEX_KEY.test(text)) return Buffer.from(text, 'hex');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 32 && bytes.toString('base64') === text) return bytes;
  throw new Error(
    'the credentials encryption key must be 32 random bytes, base64 or hex encoded (e.g. the output of `openssl rand -base64 32`)',
  );
}

function associatedData(tenantId: string, id: string): Buffer {
  return Buffer.from(`integrations:${tenantId}:${id}`, 'utf8');
}

/**
 * Turns the credential map (slot -> AuthRef URI) into what the `credentials` column holds, and
 * back. With a key it is AES-256-GCM encrypted at rest; the row's tenant and id are bound in as
 * associated data, so a sealed value copied onto another row fails to open instead of handing
 * that row someone else's references. Without a key the map is stored as plain jsonb.
 */
export class CredentialsCodec {
  private readonly kid: string | undefined;

  private constructor(private readonly key: Buffer | undefined) {
    this.kid =
      key === undefined ? undefined : createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  static create(encryptionKey: string | undefined): CredentialsCodec {
    return new CredentialsCodec(encryptionKey === undefined ? undefined : decodeKey(encryptionKey));
  }

  get encrypts(): boolean {
    return this.key !== undefined;
  }

  encode(credentials: Readonly<Record<string, string>>, tenantId: string, id: string): unknown {
    if (this.key === undefined || this.kid === undefined) return credentials;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    cipher.setAAD(associatedData(tenantId, id));
    const data = Buffer.concat([
      cipher.update(JSON.stringify(credentials), 'utf8'),
      cipher.final(),
    ]);
    const sealed: SealedCredentials = {
      $encrypted: FORMAT,
      kid: this.kid,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    return sealed;
  }

  /** A plain map (written before a key was configured) passes through; it is sealed on its next write. */
  decode(stored: unknown, tenantId: string, id: string): Record<string, string> {
    if (!isSealed(stored)) return stored as Record<string, string>;
    if (this.key === undefined) {
      throw new CredentialsDecryptionError(
        `the credentials of integration ${id} are encrypted (key fingerprint ${stored.kid}); configure the encryption key`,
      );
    }
    if (stored.$encrypted !== FORMAT) {
      throw new CredentialsDecryptionError(
        `the credentials of integration ${id} use an unknown format (${stored.$encrypted})`,
      );
    }
    if (stored.kid !== this.kid) {
      throw new CredentialsDecryptionError(
        `the credentials of integration ${id} were encrypted with another key (fingerprint ${stored.kid}); configure that key`,
      );
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, this.key, Buffer.from(stored.iv, 'base64'));
      decipher.setAAD(associatedData(tenantId, id));
      decipher.setAuthTag(Buffer.from(stored.tag, 'base64'));
      const plain = Buffer.concat([
        decipher.update(Buffer.from(stored.data, 'base64')),
        decipher.final(),
      ]);
      return JSON.parse(plain.toString('utf8')) as Record<string, string>;
    } catch (error) {
      throw new CredentialsDecryptionError(
        `the credentials of integration ${id} failed authentication: they were altered or belong to another row`,
        { cause: error },
      );
    }
  }
}
