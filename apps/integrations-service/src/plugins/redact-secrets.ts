export const REDACTED = '[REDACTED]';

const MAX_DEPTH = 6;

/**
 * A base64 fragment shorter than this is not redacted on its own: it would match unrelated
 * base64 text. The secret's own form is always redacted, whatever its length.
 */
const MIN_FRAGMENT_LENGTH = 8;

type Base64Alphabet = 'base64' | 'base64url';

/**
 * The base64 characters that carry only the secret's bits when it is encoded `offset` bytes
 * (0-2) into a longer text, as in `user:secret` for Basic auth: the characters shared with the
 * text around it differ with that text and are left. `tail` keeps the end as it is when the
 * secret ends the text (its last bits and padding).
 */
function base64Fragment(
  bytes: Buffer,
  offset: number,
  alphabet: Base64Alphabet,
  tail: boolean,
): string {
  const lead = Buffer.alloc(offset);
  const encoded = Buffer.concat([lead, bytes]).toString(alphabet);
  const start = Math.ceil((offset * 8) / 6);
  const end = tail ? encoded.length : Math.floor(((offset + bytes.length) * 8) / 6);
  return encoded.slice(start, end);
}

function lowerCaseEscapes(encoded: string): string {
  return encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
}

function asciiJson(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(
      /[\u007f-\uffff]/g,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
}

/**
 * Every form in which `secret` may show up in a log line, a result or an event: as it is;
 * JSON-escaped (also ASCII-only, and twice, as in JSON inside a JSON string); URL-encoded
 * (encodeURIComponent, form encoding, and a URL's userinfo, each with upper- and lower-case
 * escapes); and base64 and base64url, alone and inside a longer encoded text at each of the
 * three byte alignments (Basic auth's `user:secret`). Computed once per resolved secret; pass
 * the result to `redactSecrets`.
 */
export function redactionForms(secret: string): string[] {
  if (secret === '') return [];
  const forms = new Set<string>([secret]);
  const json = JSON.stringify(secret).slice(1, -1);
  forms.add(json).add(asciiJson(secret)).add(JSON.stringify(json).slice(1, -1));
  const userinfo = new URL('http://host.invalid/');
  userinfo.password = secret;
  const percentEncoded = [
    encodeURIComponent(secret),
    new URLSearchParams([['', secret]]).toString().slice(1),
    userinfo.password,
  ];
  for (const encoded of percentEncoded) forms.add(encoded).add(lowerCaseEscapes(encoded));
  const bytes = Buffer.from(secret, 'utf8');
  for (const alphabet of ['base64', 'base64url'] as const) {
    forms.add(bytes.toString(alphabet));
    for (const offset of [0, 1, 2]) {
      for (const tail of [false, true]) {
        const fragment = base64Fragment(bytes, offset, alphabet, tail);
        if (fragment.length >= MIN_FRAGMENT_LENGTH) forms.add(fragment);
      }
    }
  }
  return [...forms];
}

function redactString(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  return result;
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * A copy of `value` with every occurrence of every secret replaced, in strings, arrays, plain
 * objects and errors' messages. `secrets` are the literal texts to find: give each secret's
 * `redactionForms` to catch it encoded as well. Longer texts go first so that one containing
 * another is replaced whole. Any other object (a URL, a class instance) is logged as its redacted
 * string form: what it holds cannot be inspected safely.
 */
export function redactSecrets<T>(value: T, secrets: readonly string[]): T {
  const usable = secrets.filter((secret) => secret !== '').sort((a, b) => b.length - a.length);
  if (usable.length === 0) return value;
  return redact(value, usable, 0) as T;
}

function redact(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return redactString(value, secrets);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redact(item, secrets, depth + 1));
  if (value instanceof Error) {
    return { name: value.name, message: redactString(value.message, secrets) };
  }
  if (!isPlainObject(value)) return redactString(String(value), secrets);
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, redact(item, secrets, depth + 1)]),
  );
}
