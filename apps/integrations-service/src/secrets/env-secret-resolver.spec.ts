import { AuthRef } from '@stellaops/integrations-core';
import { EnvSecretResolver } from './env-secret-resolver';
import { SecretResolutionError } from './secret-resolution.error';

describe('EnvSecretResolver', () => {
  const resolver = new EnvSecretResolver({
    GITHUB_TOKEN: 'ghp_value',
    EMPTY: '',
    APP_JSON: JSON.stringify({ privateKey: 'pem-value', appId: 42, blank: '' }),
    NOT_JSON: 'plain-secret-text',
  });

  function resolve(uri: string): Promise<string> {
    return resolver.resolve(AuthRef.parse(uri));
  }

  it('reads a variable, and a field of a JSON variable', async () => {
    await expect(resolve('authref://env/GITHUB_TOKEN')).resolves.toBe('ghp_value');
    await expect(resolve('authref://env/APP_JSON#privateKey')).resolves.toBe('pem-value');
  });

  it('reads the environment at each call', async () => {
    const env: Record<string, string | undefined> = {};
    const live = new EnvSecretResolver(env);
    const ref = AuthRef.parse('authref://env/ROTATED');
    await expect(live.resolve(ref)).rejects.toBeInstanceOf(SecretResolutionError);
    env['ROTATED'] = 'v2';
    await expect(live.resolve(ref)).resolves.toBe('v2');
  });

  it.each([
    ['authref://env/MISSING', 'environment variable MISSING is not set'],
    ['authref://env/EMPTY', 'environment variable EMPTY is empty'],
    [
      'authref://env/a/b',
      "'a/b' is not an environment variable name (letters, digits and _, no slashes)",
    ],
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
  ])('refuses %s, saying why', async (uri, reason) => {
    const error: unknown = await resolve(uri).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretResolutionError);
    expect((error as Error).message).toBe(reason);
    expect((error as Error).message).not.toMatch(/plain-secret-text|pem-value/);
  });
});
