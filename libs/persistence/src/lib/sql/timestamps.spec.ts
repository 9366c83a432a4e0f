import { parseTimestamptz, pgTypes, toIso } from './timestamps';

describe('parseTimestamptz', () => {
  it.each([
    ['2026-11-23 12:39:04.625123+00', '2026-11-23T12:39:04.625Z'],
    ['2026-11-23 12:39:04.6+00', '2026-11-23T12:39:04.600Z'],
    ['2026-11-23 12:39:04+00', '2026-11-23T12:39:04.000Z'],
    ['2026-11-23 12:39:04.999999+00', '2026-11-23T12:39:04.999Z'],
  ])('reads %s as %s, as Date#toISOString would', (text, iso) => {
    expect(parseTimestamptz(text)).toBe(iso);
    expect(parseTimestamptz(text)).toBe(new Date(Date.parse(iso)).toISOString());
  });

  it('takes the long way for another offset', () => {
    expect(parseTimestamptz('2026-11-23 13:39:04.5+01')).toBe('2026-11-23T12:39:04.500Z');
    expect(parseTimestamptz('2026-11-23 07:09:04+05:30')).toBe('2026-11-23T01:39:04.000Z');
  });

  it('is what pg uses for timestamptz, and leaves other types to pg', () => {
    expect(pgTypes.getTypeParser(1184, 'text')).toBe(parseTimestamptz);
    expect((pgTypes.getTypeParser(23, 'text') as (t: string) => number)('42')).toBe(42);
  });

  it('passes ISO strings through toIso', () => {
    expect(toIso('2026-11-23T12:39:04.625Z')).toBe('2026-11-23T12:39:04.625Z');
    expect(toIso(new Date('2026-11-23T12:39:04.625Z'))).toBe('2026-11-23T12:39:04.625Z');
  });
});
