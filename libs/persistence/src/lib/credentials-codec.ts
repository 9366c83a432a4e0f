import { InputError } from '@stellaops/integrations-core';
import type { KeyringOptions } from './credentials-keyring';
import { CREDENTIALS_FIELD, CredentialsKeyring, isSealedValue } from './credentials-keyring';
import { CredentialsDecryptionError } from './errors/credentials-decryption.error';

/** The field a secret setting is sealed as, bound into its envelope: `settings.<name>`. */
export function secretSettingField(name: string): string {
  return `settings.${name}`;
}

/** What the `settings` and `secret_settings` columns hold for a registration's settings. */
export interface EncodedSettings {
  /** The settings, each secret one present sealed in place (when the ring encrypts). */
  readonly stored: Record<string, unknown>;
  /** The names of the secret settings present, sorted. */
  readonly secretSettings: string[];
}

export interface DecodedSettings {
  /** The settings with every secret one opened; one that does not open is left out. */
  readonly settings: Record<string, unknown>;
  /** The names of the secret settings the row holds, readable or not, sorted. */
  readonly secretSettings: string[];
  /** Why secret settings could not be opened, one sentence each (names, key ids, never content). */
  readonly unreadable?: string;
}

/**
 * Turns the credential map (slot -> AuthRef URI) into what the `credentials` column holds, and
 * back; and the secret settings of the `settings` column likewise. With a keyring they are
 * sealed with the ring's active key (see `CredentialsKeyring`): the row's tenant and id (and, for
 * a setting, its name) are bound in as associated data, so a sealed value copied onto another row
 * or setting fails to open instead of handing it someone else's secret. Without a key they are
 * stored as plain jsonb.
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

  /**
   * The settings as stored: each of `secretNames` that `settings` holds is sealed in place as
   * `settings.<name>` (stored as it is without a key). Names not in `settings` are ignored.
   * @throws InputError for a secret setting whose value is an object with a `$encrypted`
   * member: that shape marks a sealed value at rest, and would be read back as one
   */
  encodeSettings(
    settings: Readonly<Record<string, unknown>>,
    secretNames: readonly string[],
    tenantId: string,
    id: string,
  ): EncodedSettings {
    const present = [...new Set(secretNames)].filter((name) => Object.hasOwn(settings, name));
    const reserved = present.filter((name) => isSealedValue(settings[name]));
    if (reserved.length > 0) {
      throw new InputError(
        'a secret setting cannot be an object with a "$encrypted" member',
        reserved.map((name) => ({
          path: `/settings/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`,
          message:
            'is a secret setting: an object with a "$encrypted" member is reserved for values encrypted at rest',
        })),
      );
    }
    const secret = new Set(present);
    // fromEntries defines each key as an own property, whatever its name (`__proto__` too).
    const stored = Object.fromEntries(
      Object.entries(settings).map(([name, value]) => [
        name,
        secret.has(name) && this.keyring.encrypts
          ? this.keyring.seal(value, tenantId, id, secretSettingField(name))
          : value,
      ]),
    );
    return { stored, secretSettings: present.sort() };
  }

  /**
   * The settings with each of `secretNames` opened. A plain value (written before a key was
   * configured) passes through, and is sealed on its next write or by a key rotation. One that
   * cannot be opened is left out and said why in `unreadable`, so that one row never takes a
   * listing down.
   */
  decodeSettings(
    stored: Readonly<Record<string, unknown>>,
    secretNames: readonly string[],
    tenantId: string,
    id: string,
  ): DecodedSettings {
    const present = [...new Set(secretNames)].filter((name) => Object.hasOwn(stored, name)).sort();
    const secret = new Set(present);
    const reasons: string[] = [];
    const entries: [string, unknown][] = [];
    for (const [name, value] of Object.entries(stored)) {
      if (!secret.has(name) || !isSealedValue(value)) {
        entries.push([name, value]);
        continue;
      }
      try {
        entries.push([name, this.keyring.open(value, tenantId, id, secretSettingField(name))]);
      } catch (error) {
        if (!(error instanceof CredentialsDecryptionError)) throw error;
        reasons.push(error.message);
      }
    }
    return {
      settings: Object.fromEntries(entries),
      secretSettings: present,
      ...(reasons.length === 0 ? {} : { unreadable: reasons.join('; ') }),
    };
  }
}
