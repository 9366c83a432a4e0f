import { InputError } from '@stellaops/integrations-core';
import fc from 'fast-check';
import { decodeListCursor, encodeListCursor } from './list-cursor';

const id = '6f1c2a8e-3b0d-4c1e-9a57-2f4d5b6c7d8e';

function encoded(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('list cursors', () => {
  it('are opaque base64url strings that decode to the same position', () => {
    const cursor = encodeListCursor({ name: 'github-main', id });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeListCursor(cursor)).toEqual({ name: 'github-main', id });
  });

  it('round-trip any name', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }),
        fc.uuid(),
        (name, uuid) => {
          expect(decodeListCursor(encodeListCursor({ name, id: uuid }))).toEqual({
            name,
            id: uuid,
          });
        },
      ),
    );
  });

  it.each([
    ['not base64url', 'abc+/='],
    ['not JSON', Buffer.from('not json').toString('base64url')],
    ['JSON without the fields', encoded({ name: 'x', id })],
    ['an id that is not a uuid', encoded({ n: 'x', i: 'not-a-uuid' })],
    ['an empty name', encoded({ n: '', i: id })],
    ['a non-object', encoded(['x', id])],
    ['null', encoded(null)],
    ['too long', 'a'.repeat(1025)],
  ])('refuses %s with a 400 on /cursor', (_label, cursor) => {
    let thrown: unknown;
    try {
      decodeListCursor(cursor);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as InputError).errors.map((error) => error.path)).toEqual(['/cursor']);
  });
});
