export const REDACTED = '[REDACTED]';

const MAX_DEPTH = 6;

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
 * objects and errors' messages. Longer secrets go first so that one containing another is
 * replaced whole. Any other object (a URL, a class instance) is logged as its redacted string
 * form: what it holds cannot be inspected safely.
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
