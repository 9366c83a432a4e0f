import { AuthRef } from '@stellaops/integrations-core';
import { EnvAllowList } from './env-allow-list';
import { ENV_NOT_ALLOWED, EnvSecretResolver } from './env-secret-resolver';
import { SecretResolutionError } from './secret-resolution.error';

describe('EnvSecretResolver', () => {
  const env = {
    GITHUB_TOKEN: 'ghp_value',
    EMPTY: '',
    APP_JSON: JSON.stringify({ privateKey: 'pem-value', appId: 42, blank: '' }),
    NOT_JSON: 'plain-secret-text',
    OTHER_TOKEN: 'not-allowed-value',
    AUTH_JWT_SECRET: 'the-service-signing-key',
    PATH: '/usr/bin',
  };
  const resolver = new EnvSecretResolver(
    new EnvAllowList(['GITHUB_TOKEN', 'EMPTY', 'APP_*', 'NOT_JSON', 'MISSING', 'ROTATED', 'A*']),
    env,
  );

  function resolve(uri: string, within = resolver): Promise<string> {
    return within.resolve(AuthRef.parse(uri));
  }

  async function reason(uri: string): Promise<string> {
    const error: unknown = await resolve(uri).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretResolutionError);
    expect((error as Error).message).not.toMatch(/plain-secret-text|pem-value|signing-key/);
    return (error as Error).message;
  }

  it('reads an allowed variable, and a field of a JSON variable', async () => {
    await expect(resolve('authref://env/GITHUB_TOKEN')).resolves.toBe('ghp_value');
    await expect(resolve('authref://env/APP_JSON#privateKey')).resolves.toBe('pem-value');
  });

  it('reads the environment at each call', async () => {
    const live: Record<string, string | undefined> = {};
    const rotating = new EnvSecretResolver(new EnvAllowList(['ROTATED']), live);
    await expect(resolve('authref://env/ROTATED', rotating)).rejects.toBeInstanceOf(
      SecretResolutionError,
    );
    live['ROTATED'] = 'v2';
    await expect(resolve('authref://env/ROTATED', rotating)).resolves.toBe('v2');
  });

  it.each([
    ['authref://env/MISSING', 'environment variable MISSING is not set'],
    ['authref://env/EMPTY', 'environment variable EMPTY is empty'],
    ['authref://env/APP_JSON#nope', "environment variable APP_JSON has no field 'nope'"],
    [
      'authref://env/APP_JSON#appId',
      "field 'appId' of environment variable APP_JSON is not a string",
    ],
    ['authref://env/APP_JSON#blank', "field 'blank' of environment variable APP_JSON is empty"],
    [
      'authref://env/NOT_JSON#key',
      "environment variable NOT_JSON is not a JSON object, so it has no field 'key'",
    ],
  ])('refuses %s, saying why', async (uri, expected) => {
    expect(await reason(uri)).toBe(expected);
  });

  it('refuses a path that is not a variable name before reading anything', async () => {
    const ref = AuthRef.parse('authref://env/a/b');
    expect(resolver.refusal(ref)).toBe(
      'its path is not an environment variable name (letters, digits and _, no slashes)',
    );
    expect(await reason('authref://env/a/b')).toBe(resolver.refusal(ref));
  });

  it('refuses, in one message, every variable not allowed, whether it is set or not', async () => {
    const refused = [
      'authref://env/OTHER_TOKEN',
      'authref://env/OTHER_UNSET',
      // `A*` is allowed, but the service's own variables stay out of reach.
      'authref://env/AUTH_JWT_SECRET',
      'authref://env/AUTH_UNSET',
      'authref://env/PATH',
    ];
    for (const uri of refused) {
      expect(resolver.refusal(AuthRef.parse(uri))).toBe(ENV_NOT_ALLOWED);
      expect(await reason(uri)).toBe(ENV_NOT_ALLOWED);
    }
  });

  it('allows nothing by default', async () => {
    const closed = new EnvSecretResolver(new EnvAllowList([]), env);
    expect(closed.refusal(AuthRef.parse('authref://env/GITHUB_TOKEN'))).toBe(ENV_NOT_ALLOWED);
    await expect(resolve('authref://env/GITHUB_TOKEN', closed)).rejects.toThrow(ENV_NOT_ALLOWED);
  });
});
