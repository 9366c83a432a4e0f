/**
 * A message with structured fields: the one way the service's code hands fields to a Nest
 * `Logger`, as its first argument — `logger.warn({ message: 'took over the lock', dataDir, pid })`.
 * Nest's own signature (`log(message, context)`) has no place for fields; an object message is
 * what it passes through untouched to the logger in place, and the service's logger writes the
 * object's fields as top-level keys of the line, beside `msg`. Build one with `logEntry` when the
 * fields come from elsewhere (a plugin, a library), so that a field named `message` does not
 * replace the message.
 */
export interface LogEntry {
  readonly message: string;
  readonly [field: string]: unknown;
}

/**
 * A copy of `fields` in which a key named in `reserved` is renamed with a leading underscore
 * (`msg` -> `_msg`, again while the new name is taken), so that a caller's field cannot replace
 * a key the line itself writes and is not lost either.
 */
export function escapeReservedKeys(
  fields: Readonly<Record<string, unknown>>,
  reserved: ReadonlySet<string>,
): Record<string, unknown> {
  const keys = Object.keys(fields);
  if (!keys.some((key) => reserved.has(key))) return { ...fields };
  const escaped: Record<string, unknown> = {};
  for (const key of keys) {
    if (!reserved.has(key)) escaped[key] = fields[key];
  }
  for (const key of keys) {
    if (!reserved.has(key)) continue;
    let name = `_${key}`;
    while (name in escaped || name in fields) name = `_${name}`;
    escaped[name] = fields[key];
  }
  return escaped;
}

const ENTRY_KEYS: ReadonlySet<string> = new Set(['message']);

/** `message` with `fields` beside it; a field named `message` is kept as `_message`. */
export function logEntry(
  message: string,
  fields: Readonly<Record<string, unknown>> = {},
): LogEntry {
  return { ...escapeReservedKeys(fields, ENTRY_KEYS), message };
}
