import fc from 'fast-check';
import { AuthRef } from './auth-ref';
import { InputError } from './errors/input.error';

function parseError(input: string, fieldPath?: string): InputError {
  try {
    AuthRef.parse(input, fieldPath);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected AuthRef.parse to refuse the input');
}

/** Everything an InputError shows a caller. */
function shown(error: InputError): string {
  return JSON.stringify({ message: error.message, errors: error.errors });
}

describe('AuthRef.parse', () => {
  it('parses an env reference', () => {
    const ref = AuthRef.parse('authref://env/GITHUB_APP_KEY');
    expect(ref).toMatchObject({ store: 'env', path: 'GITHUB_APP_KEY', key: undefined });
    expect(ref.uri).toBe('authref://env/GITHUB_APP_KEY');
  });

  it('parses a file reference with nested segments', () => {
    const ref = AuthRef.parse('authref://file/run/secrets/harbor.token');
    expect(ref).toMatchObject({ store: 'file', path: 'run/secrets/harbor.token', key: undefined });
  });

  it('parses a vault reference with a #key', () => {
    const ref = AuthRef.parse('authref://vault/kv/github#privateKey');
    expect(ref).toMatchObject({ store: 'vault', path: 'kv/github', key: 'privateKey' });
    expect(ref.uri).toBe('authref://vault/kv/github#privateKey');
    expect(String(ref)).toBe(ref.uri);
  });

  it('gives back the canonical URI of any valid reference', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_~@+=-][A-Za-z0-9_.~@+=-]{0,15}$/);
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
        fc.array(segment, { minLength: 1, maxLength: 5 }),
        fc.option(fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/), { nil: undefined }),
        (store, segments, key) => {
          const uri = `authref://${store}/${segments.join('/')}${key === undefined ? '' : `#${key}`}`;
          const ref = AuthRef.parse(uri);
          return (
            ref.uri === uri &&
            ref.store === store &&
            ref.path === segments.join('/') &&
            ref.key === key &&
            AuthRef.parse(ref.uri).uri === uri
          );
        },
      ),
    );
  });

  it.each([
    ['empty', ''],
    ['a plaintext secret', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'],
    ['a PEM key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow'],
    ['another scheme', 'vault://kv/data/github#privateKey'],
    ['an upper-case scheme', 'AUTHREF://env/TOKEN'],
    ['leading white space', ' authref://env/TOKEN'],
    ['no path', 'authref://env'],
    ['an empty path', 'authref://env/'],
    ['no store', 'authref:///TOKEN'],
    ['a .. segment', 'authref://file/run/../../etc/shadow'],
    ['a . segment', 'authref://file/./token'],
    ['an empty segment', 'authref://file/run//token'],
    ['a trailing slash', 'authref://file/run/token/'],
    ['a query string', 'authref://vault/kv/data/github?version=2'],
    ['white space', 'authref://env/MY TOKEN'],
    ['a tab', 'authref://env/TOKEN\t'],
    ['a line break', 'authref://env/TOKEN\nX'],
    ['an upper-case store', 'authref://Env/TOKEN'],
    ['a store with an underscore', 'authref://my_store/TOKEN'],
    ['a store starting with a digit', 'authref://1env/TOKEN'],
    ['a percent-encoded segment', 'authref://env/%2e%2e'],
    ['an empty key', 'authref://vault/kv/data/github#'],
    ['a key with a slash', 'authref://vault/kv/data/github#a/b'],
    ['two keys', 'authref://vault/kv/data/github#a#b'],
    ['a key that is too long', `authref://vault/kv#${'k'.repeat(257)}`],
    ['a reference that is too long', `authref://env/${'A'.repeat(2_040)}`],
  ])('refuses %s', (_label, input) => {
    const error = parseError(input);
    expect(error).toBeInstanceOf(InputError);
    expect(error.kind).toBe('input');
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]?.path).toBe('/credentials');
    expect(error.message).toBe(`/credentials: ${error.errors[0]?.message}`);
  });

  it('accepts a key of exactly 256 characters and a reference of exactly 2048', () => {
    expect(AuthRef.parse(`authref://vault/kv#${'k'.repeat(256)}`).key).toHaveLength(256);
    const longest = `authref://env/${'A'.repeat(2_048 - 'authref://env/'.length)}`;
    expect(AuthRef.parse(longest).uri).toHaveLength(2_048);
  });

  it('says why, and what to send instead', () => {
    expect(parseError('hunter2').errors[0]?.message).toContain('plaintext credentials are refused');
    expect(parseError('authref://file/a/../b').errors[0]?.message).toContain('not . or ..');
    expect(parseError('authref://vault/kv?x=1').errors[0]?.message).toContain('no query string');
    expect(parseError(`authref://env/${'A'.repeat(3_000)}`).errors[0]?.message).toContain(
      'at most 2048 characters',
    );
  });

  it('reports the field path it is given', () => {
    const error = parseError('hunter2', '/credentials/token');
    expect(error.errors[0]?.path).toBe('/credentials/token');
    expect(error.message.startsWith('/credentials/token: ')).toBe(true);
  });

  it('never repeats the input, which may be a plaintext secret', () => {
    const secret = fc.string({ minLength: 12, maxLength: 64 });
    fc.assert(
      fc.property(
        fc.oneof(
          secret,
          secret.map((s) => `authref://env/${s} `),
          secret.map((s) => `authref://vault/${s}#`),
          secret.map((s) => `authref://file/../${s}`),
        ),
        (input) => {
          fc.pre(!AuthRef.isAuthRef(input));
          return !shown(parseError(input)).includes(input);
        },
      ),
    );
    for (const secret of [
      'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
      'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
    ]) {
      const text = shown(parseError(secret));
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(0, 8));
    }
  });

  it('refuses a value that is not a string without echoing it', () => {
    const error = parseError(12345 as unknown as string);
    expect(shown(error)).not.toContain('12345');
  });
});

describe('AuthRef.isAuthRef', () => {
  it('tells references from anything else', () => {
    expect(AuthRef.isAuthRef('authref://env/TOKEN')).toBe(true);
    expect(AuthRef.isAuthRef('authref://vault/kv/data/x#key')).toBe(true);
    expect(AuthRef.isAuthRef('hunter2')).toBe(false);
    expect(AuthRef.isAuthRef('authref://env/../x')).toBe(false);
    expect(AuthRef.isAuthRef(undefined)).toBe(false);
    expect(AuthRef.isAuthRef({ uri: 'authref://env/TOKEN' })).toBe(false);
  });
});
