import type { KeyringOptions } from './credentials-keyring';
import { CREDENTIALS_FIELD, CredentialsKeyring, isSealedValue } from './credentials-keyring';

/**
 * Turns the credential map (slot -> AuthRef URI) into what the `credentials` column holds, and
 * back. With a keyring it is sealed with the ring's active key (see `CredentialsKeyring`): the
 * row's tenant and id are bound in as associated data, so a sealed value copied onto another
 * row fails to open instead of handing that row someone else's references. Without a key the
 * map is stored as plain jsonb.
 */
export class CredentialsCodec {
  private constructor(readonly keyring: CredentialsKeyring) {}

  /** One key (32 bytes, base64 or hex), named by its fingerprint; none: plain storage. */
  static create(encryptionKey: string | undefined): CredentialsCodec {
    return new CredentialsCodec(CredentialsKeyring.fromEncryptionKey(encryptionKey));
  }

  static fromKeyring(options: KeyringOptions): CredentialsCodec {
    return new CredentialsCodec(CredentialsKeyring.create(options));
  }

  get encrypts(): boolean {
    return this.keyring.encrypts;
  }

  encode(credentials: Readonly<Record<string, string>>, tenantId: string, id: string): unknown {
    if (!this.keyring.encrypts) return credentials;
    return this.keyring.seal(credentials, tenantId, id, CREDENTIALS_FIELD);
  }

  /**
   * A plain map (written before a key was configured) passes through; it is sealed on its next
   * write, or by a key rotation.
   * @throws CredentialsDecryptionError naming the row and the key, never the content
   */
  decode(stored: unknown, tenantId: string, id: string): Record<string, string> {
    if (!isSealedValue(stored)) return stored as Record<string, string>;
    return this.keyring.open(stored, tenantId, id, CREDENTIALS_FIELD) as Record<string, string>;
  }
}
