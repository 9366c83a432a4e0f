import { randomUUID } from 'node:crypto';
import { isUuid, UUID_PATTERN } from './uuid';

describe('isUuid', () => {
  it('accepts uuids in either case', () => {
    const id = randomUUID();
    expect(isUuid(id)).toBe(true);
    expect(isUuid(id.toUpperCase())).toBe(true);
    expect(isUuid('00000000-0000-0000-0000-000000000000')).toBe(true);
  });

  it.each([
    ['not a uuid', 'nope'],
    ['without dashes', '0123456789abcdef0123456789abcdef'],
    ['a non-hex digit', '0123456g-89ab-cdef-0123-456789abcdef'],
    ['braces', '{01234567-89ab-cdef-0123-456789abcdef}'],
    ['surrounding text', ' 01234567-89ab-cdef-0123-456789abcdef'],
    ['a trailing newline', '01234567-89ab-cdef-0123-456789abcdef\n'],
    ['a number', 42],
    ['an array of one uuid', ['01234567-89ab-cdef-0123-456789abcdef']],
    ['undefined', undefined],
  ])('refuses %s', (_case, value) => {
    expect(isUuid(value)).toBe(false);
  });

  it('keeps no state between calls, so the shared pattern answers the same twice', () => {
    const id = randomUUID();
    expect([UUID_PATTERN.test(id), UUID_PATTERN.test(id)]).toEqual([true, true]);
  });
});
