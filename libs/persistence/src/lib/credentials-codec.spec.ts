import { randomBytes } from 'node:crypto';
import { CredentialsCodec } from './credentials-codec';
import { CredentialsDecryptionError } from './errors/credentials-decryption.error';

const TENANT = 'tenant-a';
const ID = '5f0c6f0e-8d7e-4a43-9b51-52f1c1f0b1aa';
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

  it.each(['', 'short', randomBytes(16).toString('base64'), 'z'.repeat(64)])(
    'refuses a key that is not 32 bytes in base64 or hex (%j)',
    (key) => {
      expect(() => CredentialsCodec.create(key)).toThrow(
        /must be 32 random bytes, base64 or hex encoded/,
      );
    },
  );
});
