import { SecretResolutionError } from './secret-resolution.error';

/**
 * The string field `key` of a JSON object held in a secret (`authref://...#key`). The errors never
 * quote the text: JSON.parse's own messages repeat the start of its input, which is the secret.
 */
export function jsonField(text: string, key: string, what: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SecretResolutionError(`${what} is not a JSON object, so it has no field '${key}'`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SecretResolutionError(`${what} is not a JSON object, so it has no field '${key}'`);
  }
  const value: unknown = Object.hasOwn(parsed, key)
    ? (parsed as Record<string, unknown>)[key]
    : undefined;
  if (value === undefined) throw new SecretResolutionError(`${what} has no field '${key}'`);
  if (typeof value !== 'string') {
    throw new SecretResolutionError(`field '${key}' of ${what} is not a string`);
  }
  return value;
}
