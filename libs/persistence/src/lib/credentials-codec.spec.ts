import { randomBytes } from 'node:crypto';
import { InputError } from '@stellaops/integrations-core';
import { CredentialsCodec } from './credentials-codec';
import { CredentialsDecryptionError } from './errors/credentials-decryption.error';

const TENANT = 'tenant-a';
const ID = '5f0c6f0e-8d7e-4a43-9b51-52f1c1f0b1aa';
const OTHER_ID = '00000000-0000-4000-8000-000000000000';
const CREDENTIALS = {
  privateKey: 'authref://vault/kv/github#privateKey',
  token: 'authref://env/TOKEN',
};

describe('CredentialsCodec', () => {
  describe('without a key', () => {
    const codec = CredentialsCodec.create(undefined);

    it('stores the map as it is', () => {
      expect(codec.encrypts).toBe(false);
      expect(codec.encode(CREDENTIALS, TENANT, ID)).toEqual(CREDENTIALS);
      expect(codec.decode(CREDENTIALS, TENANT, ID)).toEqual(CREDENTIALS);
    });

    it('refuses to read a sealed map, naming the key it needs', () => {
      const sealed = CredentialsCodec.create(randomBytes(32).toString('base64')).encode(
        CREDENTIALS,
        TENANT,
        ID,
      );
      expect(() => codec.decode(sealed, TENANT, ID)).toThrow(CredentialsDecryptionError);
      expect(() => codec.decode(sealed, TENANT, ID)).toThrow(
        /are encrypted \(key "[0-9a-f]{16}"\) but no encryption key is configured/,
      );
    });
  });

  describe('with a key', () => {
    const key = randomBytes(32);
    const codec = CredentialsCodec.create(key.toString('base64'));

    it('seals the map with AES-256-GCM and opens it again', () => {
      const sealed = codec.encode(CREDENTIALS, TENANT, ID);
      expect(sealed).toEqual({
        $encrypted: 'aes-256-gcm/v1',
        kid: expect.stringMatching(/^[0-9a-f]{16}$/),
        iv: expect.any(String),
        tag: expect.any(String),
        data: expect.any(String),
      });
      expect(JSON.stringify(sealed)).not.toContain('authref://');
      expect(codec.decode(sealed, TENANT, ID)).toEqual(CREDENTIALS);
      expect(codec.encode(CREDENTIALS, TENANT, ID)).not.toEqual(sealed);
    });

    it('accepts the same key hex-encoded', () => {
      const sealed = codec.encode(CREDENTIALS, TENANT, ID);
      expect(CredentialsCodec.create(key.toString('hex')).decode(sealed, TENANT, ID)).toEqual(
        CREDENTIALS,
      );
    });

    it('refuses a sealed map moved to another row or tenant, or altered', () => {
      const sealed = codec.encode(CREDENTIALS, TENANT, ID) as Record<string, string>;
      expect(() => codec.decode(sealed, 'tenant-b', ID)).toThrow(/failed authentication/);
      expect(() => codec.decode(sealed, TENANT, '00000000-0000-4000-8000-000000000000')).toThrow(
        CredentialsDecryptionError,
      );
      const data = Buffer.from(sealed['data'] ?? '', 'base64');
      data[0] = (data[0] ?? 0) ^ 1;
      expect(() => codec.decode({ ...sealed, data: data.toString('base64') }, TENANT, ID)).toThrow(
        /failed authentication/,
      );
    });

    it('names another key by its fingerprint, the id a single key stamps', () => {
      const sealed = CredentialsCodec.create(randomBytes(32).toString('base64')).encode(
        CREDENTIALS,
        TENANT,
        ID,
      );
      expect(() => codec.decode(sealed, TENANT, ID)).toThrow(
        /encrypted with another key \("[0-9a-f]{16}"\), which is not in the keyring \([0-9a-f]{16}\)/,
      );
    });

    it('reads a plain map written before the key was configured', () => {
      expect(codec.decode(CREDENTIALS, TENANT, ID)).toEqual(CREDENTIALS);
    });
  });

  it('seals with the active key of a keyring, and opens what another key of the ring sealed', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const keys = [
      { id: 'A', key: a },
      { id: 'B', key: b },
    ];
    const underA = CredentialsCodec.fromKeyring({ keys, activeKeyId: 'A' });
    const underB = CredentialsCodec.fromKeyring({ keys, activeKeyId: 'B' });
    const sealedA = underA.encode(CREDENTIALS, TENANT, ID);
    expect(sealedA).toMatchObject({ kid: 'A' });
    expect(underB.encode(CREDENTIALS, TENANT, ID)).toMatchObject({ kid: 'B' });
    expect(underB.decode(sealedA, TENANT, ID)).toEqual(CREDENTIALS);
    // What the single CREDENTIALS_ENCRYPTION_KEY sealed opens once that key is in a named ring.
    const legacy = CredentialsCodec.create(a.toString('base64')).encode(CREDENTIALS, TENANT, ID);
    expect(underB.decode(legacy, TENANT, ID)).toEqual(CREDENTIALS);
  });

  describe('secret settings', () => {
    const SETTINGS = {
      project: 'web',
      webhookSecret: 'whsec-1',
      apiPassword: { user: 'u', pass: 'p' },
    };
    const SECRET = ['webhookSecret', 'apiPassword', 'absent'];
    const keyed = CredentialsCodec.fromKeyring({ keys: [{ id: 'A', key: randomBytes(32) }] });

    it('seals each secret setting present in place, bound to its name, and opens it again', () => {
      const encoded = keyed.encodeSettings(SETTINGS, SECRET, TENANT, ID);
      expect(encoded.secretSettings).toEqual(['apiPassword', 'webhookSecret']);
      expect(encoded.stored).toEqual({
        project: 'web',
        webhookSecret: expect.objectContaining({ $encrypted: 'aes-256-gcm/v1', kid: 'A' }),
        apiPassword: expect.objectContaining({ $encrypted: 'aes-256-gcm/v1', kid: 'A' }),
      });
      expect(JSON.stringify(encoded.stored)).not.toMatch(/whsec-1|"pass"/);
      expect(keyed.decodeSettings(encoded.stored, encoded.secretSettings, TENANT, ID)).toEqual({
        settings: SETTINGS,
        secretSettings: ['apiPassword', 'webhookSecret'],
      });
    });

    it('stores them as they are without a key, and reads them so', () => {
      const plain = CredentialsCodec.create(undefined);
      const encoded = plain.encodeSettings(SETTINGS, SECRET, TENANT, ID);
      expect(encoded).toEqual({
        stored: SETTINGS,
        secretSettings: ['apiPassword', 'webhookSecret'],
      });
      expect(keyed.decodeSettings(SETTINGS, encoded.secretSettings, TENANT, ID)).toEqual({
        settings: SETTINGS,
        secretSettings: ['apiPassword', 'webhookSecret'],
      });
    });

    it('leaves out a setting that does not open, saying which and why, and keeps the others', () => {
      const encoded = keyed.encodeSettings(SETTINGS, SECRET, TENANT, ID);
      // One setting's envelope put in another's place, and one sealed for another row.
      const other = keyed.encodeSettings(SETTINGS, SECRET, TENANT, OTHER_ID);
      const swapped = {
        ...encoded.stored,
        webhookSecret: encoded.stored['apiPassword'],
        apiPassword: other.stored['apiPassword'],
      };
      const decoded = keyed.decodeSettings(swapped, encoded.secretSettings, TENANT, ID);
      expect(decoded.settings).toEqual({ project: 'web' });
      expect(decoded.secretSettings).toEqual(['apiPassword', 'webhookSecret']);
      expect(decoded.unreadable).toBe(
        [
          `the sealed value "settings.webhookSecret" of integration ${ID} failed authentication under key A: it was altered or belongs to another row or field`,
          `the sealed value "settings.apiPassword" of integration ${ID} failed authentication under key A: it was altered or belongs to another row or field`,
        ].join('; '),
      );
      // A setting not named secret is data, whatever its shape.
      expect(keyed.decodeSettings(encoded.stored, [], TENANT, ID).settings).toEqual(encoded.stored);
      expect(
        CredentialsCodec.create(undefined).decodeSettings(
          encoded.stored,
          ['webhookSecret'],
          TENANT,
          ID,
        ).unreadable,
      ).toMatch(
        /^the sealed value "settings.webhookSecret" .* is encrypted \(key "A"\) but no encryption key is configured/,
      );
    });

    it('refuses a secret value shaped like a sealed one, with its path', () => {
      const encode = () =>
        keyed.encodeSettings(
          { 'a/b': { $encrypted: 'x' }, other: { $encrypted: 'y' } },
          ['a/b'],
          TENANT,
          ID,
        );
      expect(encode).toThrow(InputError);
      expect(encode).toThrow(
        expect.objectContaining({ errors: [expect.objectContaining({ path: '/settings/a~1b' })] }),
      );
    });

    it('keeps a setting named __proto__ as an own property', () => {
      const settings = JSON.parse('{"__proto__": "s3cret", "x": 1}') as Record<string, unknown>;
      const encoded = keyed.encodeSettings(settings, ['__proto__'], TENANT, ID);
      expect(Object.getPrototypeOf(encoded.stored)).toBe(Object.prototype);
      expect(Object.hasOwn(encoded.stored, '__proto__')).toBe(true);
      const decoded = keyed.decodeSettings(encoded.stored, ['__proto__'], TENANT, ID);
      expect(Object.getOwnPropertyDescriptor(decoded.settings, '__proto__')?.value).toBe('s3cret');
    });
  });

  it.each(['', 'short', randomBytes(16).toString('base64'), 'z'.repeat(64)])(
    'refuses a key that is not 32 bytes in base64 or hex (%j)',
    (key) => {
      expect(() => CredentialsCodec.create(key)).toThrow(
        /must be 32 random bytes, base64 or hex encoded/,
      );
    },
  );
});
