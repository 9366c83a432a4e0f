import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { DTO_VALIDATOR_OPTIONS } from './dto-validator-options';
import { DISPLAY_TEXT } from './integration-field-rules';
import { toFieldErrors } from './to-field-errors';
import { UpdateIntegrationDto } from './update-integration.dto';

function check(body: Record<string, unknown>) {
  const dto = plainToInstance(UpdateIntegrationDto, body);
  return { dto, paths: toFieldErrors(validateSync(dto, DTO_VALIDATOR_OPTIONS)).map((e) => e.path) };
}

// Characters that make two different names look the same, or reorder the text around them.
const INVISIBLE = [
  ['RIGHT-TO-LEFT OVERRIDE', '\u202e'],
  ['LEFT-TO-RIGHT EMBEDDING', '\u202a'],
  ['FIRST STRONG ISOLATE', '\u2068'],
  ['RIGHT-TO-LEFT MARK', '\u200f'],
  ['ZERO WIDTH SPACE', '\u200b'],
  ['ZERO WIDTH JOINER', '\u200d'],
  ['WORD JOINER', '\u2060'],
  ['BYTE ORDER MARK', '\ufeff'],
  ['SOFT HYPHEN', '\u00ad'],
  ['LINE SEPARATOR', '\u2028'],
  ['PARAGRAPH SEPARATOR', '\u2029'],
  ['NUL', '\u0000'],
  ['ESCAPE', '\u001b'],
  ['NEXT LINE (C1)', '\u0085'],
  ['lone high surrogate', '\ud800'],
  ['lone low surrogate', '\udc00'],
] as const;

describe('the display-text rules of names and tags', () => {
  it.each(INVISIBLE)('refuses %s inside a name and a tag', (_label, character) => {
    expect(check({ name: `git${character}hub` }).paths).toEqual(['/name']);
    expect(check({ tags: [`pr${character}od`] }).paths).toEqual(['/tags']);
  });

  it('normalises to NFC, so that one name typed two ways is one name', () => {
    const decomposed = 'Cafe\u0301 Mu\u0308nchen';
    const { dto, paths } = check({ name: ` ${decomposed} `, tags: [decomposed] });
    expect(paths).toEqual([]);
    expect(dto.name).toBe('Caf\u00e9 M\u00fcnchen');
    expect(dto.tags).toEqual(['Caf\u00e9 M\u00fcnchen']);
  });

  it('keeps letters of every script, emoji without joiners, and astral characters', () => {
    for (const name of ['GitHub', 'Zürich', '東京', 'مرحبا', 'שלום', 'Ελλάδα', '🚀 prod', '𝔘𝔫𝔦']) {
      expect(check({ name }).paths).toEqual([]);
    }
  });

  it('accepts exactly the NFC texts without Cc, Cf, Cs, Zl or Zp code points (generated)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), (raw) => {
        const normalised = raw.trim().normalize('NFC');
        const expected = normalised.length >= 1 && DISPLAY_TEXT.test(normalised) ? [] : ['/name'];
        expect(check({ name: raw }).paths).toEqual(expected);
        if (expected.length === 0) {
          expect([...normalised].some((c) => /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u.test(c))).toBe(
            false,
          );
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses control characters in an endpoint, which the URL parser would drop silently', () => {
    expect(check({ endpoint: 'https://scm.example/\n' }).paths).toEqual(['/endpoint']);
    expect(check({ endpoint: 'https://scm.example/\tx' }).paths).toEqual(['/endpoint']);
    expect(check({ endpoint: 'https://scm.example/\u0000' }).paths).toEqual(['/endpoint']);
    expect(check({ endpoint: 'https://scm.example/ok' }).paths).toEqual([]);
  });
});
