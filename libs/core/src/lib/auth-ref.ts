import { InputError } from './errors/input.error';

const SCHEME = 'authref://';
const STORE_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
const SEGMENT_PATTERN = /^[A-Za-z0-9_.~@+=-]+$/;
const KEY_PATTERN = /^[A-Za-z0-9_.-]{1,256}$/;
const MAX_LENGTH = 2048;

/**
 * A reference to a secret: `authref://<store>/<path>[#key]`, e.g. `authref://env/GITHUB_APP_KEY`
 * or `authref://vault/kv/github#privateKey`. The reference is stored; the value never is.
 */
export class AuthRef {
  private constructor(
    readonly store: string,
    /** Slash-separated, without a leading slash. */
    readonly path: string,
    readonly key: string | undefined,
  ) {}

  /** The canonical URI. */
  get uri(): string {
    return `${SCHEME}${this.store}/${this.path}${this.key === undefined ? '' : `#${this.key}`}`;
  }

  toString(): string {
    return this.uri;
  }

  /**
   * Parses a reference strictly. The error never repeats the input: what a caller put in a
   * credential slot may be a plaintext secret.
   */
  static parse(input: string, fieldPath = '/credentials'): AuthRef {
    const fail = (reason: string): never => {
      throw new InputError(`${fieldPath}: ${reason}`, [{ path: fieldPath, message: reason }]);
    };
    if (typeof input !== 'string' || input.length === 0)
      fail('must be an AuthRef URI (authref://<store>/<path>[#key])');
    if (input.length > MAX_LENGTH) fail(`an AuthRef URI is at most ${MAX_LENGTH} characters`);
    if (!input.startsWith(SCHEME)) {
      fail(
        'must be an AuthRef URI (authref://<store>/<path>[#key]); plaintext credentials are refused',
      );
    }
    const rest = input.slice(SCHEME.length);
    if (/[\s?]/.test(rest)) fail('an AuthRef URI has no white space and no query string');
    const hashAt = rest.indexOf('#');
    const locator = hashAt === -1 ? rest : rest.slice(0, hashAt);
    const key = hashAt === -1 ? undefined : rest.slice(hashAt + 1);
    const slashAt = locator.indexOf('/');
    if (slashAt === -1) fail('an AuthRef URI needs a store and a path: authref://<store>/<path>');
    const store = locator.slice(0, slashAt);
    const path = locator.slice(slashAt + 1);
    if (!STORE_PATTERN.test(store)) {
      fail(
        'the AuthRef store must be lower-case letters, digits or dashes (e.g. env, file, vault)',
      );
    }
    if (path.length === 0) fail('the AuthRef path is empty');
    for (const segment of path.split('/')) {
      if (segment === '' || segment === '.' || segment === '..' || !SEGMENT_PATTERN.test(segment)) {
        fail(
          'each AuthRef path segment is non-empty, not . or .., and uses letters, digits and _ . ~ @ + = -',
        );
      }
    }
    if (key !== undefined && !KEY_PATTERN.test(key)) {
      fail('the AuthRef key (after #) is 1-256 letters, digits, _ . or -');
    }
    return new AuthRef(store, path, key);
  }

  static isAuthRef(input: unknown): boolean {
    if (typeof input !== 'string') return false;
    try {
      AuthRef.parse(input);
      return true;
    } catch {
      return false;
    }
  }
}
