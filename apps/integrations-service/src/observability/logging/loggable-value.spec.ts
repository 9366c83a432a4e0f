import { REDACTED } from '../../plugins/redact-secrets';
import { isSecretKey, loggableValue } from './loggable-value';

describe('isSecretKey', () => {
  it.each([
    'authorization',
    'Authorization',
    'proxy-authorization',
    'cookie',
    'Set-Cookie',
    'password',
    'dbPassword',
    'passwd',
    'passphrase',
    'secret',
    'client_secret',
    'webhookSecret',
    'secrets',
    'token',
    'githubToken',
    'access_token',
    'refreshToken',
    'jwt',
    'apiKey',
    'X-Api-Key',
    'privateKey',
    'private_key',
    'secretAccessKey',
    'signingKey',
    'encryptionKey',
  ])('%s is a secret by its name', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    'tokenResolved',
    'credentialsEncrypted',
    'secretsDir',
    'integrationId',
    'provider',
    'key',
    'keyId',
    'tokenType',
    'message',
  ])('%s is not', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe('loggableValue', () => {
  const options = { stacks: false };

  it("replaces secrets' values by key in objects inside arrays and keeps the rest", () => {
    expect(
      loggableValue(
        { calls: [{ headers: { cookie: 'sid=1', accept: 'json' } }, { token: 7 }], n: 1 },
        options,
      ),
    ).toEqual({
      calls: [{ headers: { cookie: REDACTED, accept: 'json' } }, { token: REDACTED }],
      n: 1,
    });
  });

  it("keeps a credentials map's slots but none of its values", () => {
    expect(
      loggableValue(
        { credentials: { token: 'authref://env/T', privateKey: 'authref://file/k' } },
        options,
      ),
    ).toEqual({ credentials: { token: REDACTED, privateKey: REDACTED } });
    expect(loggableValue({ Credentials: 'plain' }, options)).toEqual({ Credentials: REDACTED });
  });

  it("writes an error's own fields, redacted by key, under its name and message", () => {
    const error = Object.assign(new Error('refused'), {
      code: 'E_AUTH',
      name: 'ProviderError',
      password: 'p',
    });
    expect(loggableValue(error, options)).toEqual({
      code: 'E_AUTH',
      password: REDACTED,
      name: 'ProviderError',
      message: 'refused',
    });
  });

  it('writes Maps and Sets as their entries and functions by name', () => {
    expect(
      loggableValue(
        { m: new Map([['a', { token: 't' }]]), s: new Set([1]), f: isSecretKey },
        options,
      ),
    ).toEqual({ m: [['a', { token: REDACTED }]], s: [1], f: '[Function isSecretKey]' });
  });

  it('cuts off what is nested deeper than eight levels', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 12; i++) deep = { inner: deep };
    expect(JSON.stringify(loggableValue(deep, options))).not.toContain('bottom');
    expect(JSON.stringify(loggableValue(deep, options))).toContain('[TRUNCATED]');
  });

  it('writes an object met twice, but not inside itself, in full both times', () => {
    const shared = { a: 1 };
    expect(loggableValue({ x: shared, y: shared }, options)).toEqual({ x: { a: 1 }, y: { a: 1 } });
  });
});
