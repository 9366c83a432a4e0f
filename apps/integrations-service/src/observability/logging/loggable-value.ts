import { REDACTED } from '../../plugins/redact-secrets';

/**
 * The ends of field names whose values never reach a log line. A name matches when, lower-cased
 * and without `-` and `_`, it is one of these or ends with one: `authorization`,
 * `Proxy-Authorization`, `set-cookie`, `githubToken`, `client_secret`, `X-Api-Key`,
 * `privateKey`, `secretAccessKey`. Matched at any depth (`headers.authorization`,
 * `request.headers.Cookie`), in the same pass that makes the line's values loggable, instead of
 * as pino `redact` paths: those are exact, case-sensitive and at fixed depths, and header names
 * arrive in every casing.
 */
export const SECRET_KEY_ENDINGS: readonly string[] = [
  'authorization',
  'cookie',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'jwt',
  'apikey',
  'accesskey',
  'privatekey',
  'secretkey',
  'signingkey',
  'encryptionkey',
];

/**
 * A field of this name (any casing) keeps its keys — the credential slots, which say what a
 * registration has — but every value is replaced: they are AuthRef URIs, which tell where a
 * secret is kept, or a plaintext credential an API call was refused for.
 */
const CREDENTIALS_KEY = 'credentials';

/** Deeper structures are cut off: a line is for reading, not for a whole object graph. */
const MAX_DEPTH = 8;
const TRUNCATED = '[TRUNCATED]';
const CIRCULAR = '[CIRCULAR]';

function normalisedKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

/** Whether a field of this name is a secret by its name alone (see `SECRET_KEY_ENDINGS`). */
export function isSecretKey(key: string): boolean {
  const name = normalisedKey(key);
  return SECRET_KEY_ENDINGS.some((ending) => name.endsWith(ending));
}

export interface LoggableOptions {
  /** Keep errors' stacks (LOG_LEVEL=debug: a stack shows the code path, and often a message again). */
  readonly stacks: boolean;
}

/**
 * `value` as JSON can show it in a log line, with every field whose name is a secret's replaced
 * (see `SECRET_KEY_ENDINGS`): an Error becomes its name, message, own fields (a code, a cause)
 * and, with `stacks`, its stack, where JSON would print `{}`; a URL its href with the password
 * replaced; a Date its ISO form; a bigint its digits; a Buffer or typed array its length, not its
 * bytes (which may be a key); a Map or Set its entries; a function its name. Cycles and structures
 * deeper than eight levels are cut off with a marker.
 */
export function loggableValue(value: unknown, options: LoggableOptions): unknown {
  return loggable(value, options, 0, new Set());
}

function loggable(
  value: unknown,
  options: LoggableOptions,
  depth: number,
  ancestors: Set<object>,
): unknown {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'function':
      return `[Function ${value.name || 'anonymous'}]`;
    case 'symbol':
      return value.toString();
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (ancestors.has(value)) return CIRCULAR;
  if (depth >= MAX_DEPTH) return TRUNCATED;
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  }
  if (value instanceof URL) return urlWithoutPassword(value);
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
  ancestors.add(value);
  try {
    if (Array.isArray(value))
      return value.map((item) => loggable(item, options, depth + 1, ancestors));
    if (value instanceof Map) {
      return [...value.entries()].map((entry) => loggable(entry, options, depth + 1, ancestors));
    }
    if (value instanceof Set) {
      return [...value.values()].map((item) => loggable(item, options, depth + 1, ancestors));
    }
    if (value instanceof Error) return loggableError(value, options, depth, ancestors);
    const toJSON: unknown = Reflect.get(value, 'toJSON');
    if (typeof toJSON === 'function' && !isPlainObject(value)) {
      return loggable(toJSON.call(value), options, depth, ancestors);
    }
    return loggableObject(Object.entries(value), options, depth, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function loggableObject(
  entries: readonly (readonly [string, unknown])[],
  options: LoggableOptions,
  depth: number,
  ancestors: Set<object>,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    if (isSecretKey(key)) result[key] = REDACTED;
    else if (normalisedKey(key) === CREDENTIALS_KEY) result[key] = redactedCredentials(item);
    else result[key] = loggable(item, options, depth + 1, ancestors);
  }
  return result;
}

function loggableError(
  error: Error,
  options: LoggableOptions,
  depth: number,
  ancestors: Set<object>,
): Record<string, unknown> {
  // Own fields first (a pg error's code and detail, an AggregateError's errors), then the ones
  // every error has, which no own field may replace.
  const own = Object.entries(error).filter(([key]) => key !== 'stack' && key !== 'message');
  const result = loggableObject(own, options, depth, ancestors);
  result['name'] = error.name;
  result['message'] = error.message;
  if (error.cause !== undefined) {
    result['cause'] = loggable(error.cause, options, depth + 1, ancestors);
  }
  if (options.stacks && typeof error.stack === 'string') result['stack'] = error.stack;
  return result;
}

function redactedCredentials(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return REDACTED;
  return Object.fromEntries(Object.keys(value).map((slot) => [slot, REDACTED]));
}

function urlWithoutPassword(url: URL): string {
  if (url.password === '') return url.href;
  // Built by hand: the URL class would percent-encode the marker.
  return `${url.protocol}//${url.username}:${REDACTED}@${url.host}${url.pathname}${url.search}${url.hash}`;
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
