import { InputError, isUuid } from '@stellaops/integrations-core';
import type { IntegrationCursor } from '@stellaops/integrations-persistence';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_CURSOR_LENGTH = 1024;

/** The opaque `nextCursor` of a page: the last item's name and id, base64url-encoded JSON. */
export function encodeListCursor(cursor: IntegrationCursor): string {
  return Buffer.from(JSON.stringify({ n: cursor.name, i: cursor.id })).toString('base64url');
}

function invalidCursor(): InputError {
  return new InputError('cursor is not a cursor this service issued', [
    { path: '/cursor', message: 'is not a cursor this service issued: list again without it' },
  ]);
}

/** Reads a cursor back; anything this service did not issue is a 400. */
export function decodeListCursor(cursor: string): IntegrationCursor {
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw invalidCursor();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof decoded !== 'object' || decoded === null) throw invalidCursor();
  const { n: name, i: id } = decoded as { n?: unknown; i?: unknown };
  if (typeof name !== 'string' || name === '' || !isUuid(id)) {
    throw invalidCursor();
  }
  return { name, id };
}
