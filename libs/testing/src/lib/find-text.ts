/** Where a searched-for text was found inside a value, as a property path (`details.headers[0]`). */
export interface TextMatch {
  readonly path: string;
  /** The index, in the searched-for list, of the text that was found. */
  readonly needleIndex: number;
}

const MAX_DEPTH = 32;

/**
 * Searches every string inside `value` (property names included, Error messages and causes
 * included, cycles tolerated) for any of `needles`. Returns paths rather than the texts so that a
 * report about a leaked secret does not leak it again.
 */
export function findText(value: unknown, needles: readonly string[]): TextMatch[] {
  const matches: TextMatch[] = [];
  const seen = new WeakSet<object>();

  const inspectString = (text: string, path: string): void => {
    needles.forEach((needle, needleIndex) => {
      if (needle !== '' && text.includes(needle))
        matches.push({ path: path === '' ? '(value)' : path, needleIndex });
    });
  };

  const visit = (current: unknown, path: string, depth: number): void => {
    if (typeof current === 'string') {
      inspectString(current, path);
      return;
    }
    if (typeof current !== 'object' || current === null || depth > MAX_DEPTH) return;
    if (seen.has(current)) return;
    seen.add(current);
    // An Error's message and cause are not enumerable, and instanceof fails across realms.
    if ('message' in current && 'stack' in current) {
      const error = current as { message?: unknown; cause?: unknown };
      visit(error.message, join(path, 'message'), depth + 1);
      visit(error.cause, join(path, 'cause'), depth + 1);
    }
    if (current instanceof Map) {
      for (const [key, entry] of current) {
        visit(key, `${path}<key>`, depth + 1);
        visit(entry, `${path}<${String(key)}>`, depth + 1);
      }
      return;
    }
    if (current instanceof Set || Array.isArray(current)) {
      let index = 0;
      for (const entry of current) visit(entry, `${path}[${index++}]`, depth + 1);
      return;
    }
    for (const [key, entry] of Object.entries(current)) {
      inspectString(key, join(path, key));
      visit(entry, join(path, key), depth + 1);
    }
  };

  visit(value, '', 0);
  return matches;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
