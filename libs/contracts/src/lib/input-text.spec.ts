import fc from 'fast-check';
import { isSafeInputText } from './input-text';

describe('isSafeInputText', () => {
  it('refuses NUL, C0 and C1 controls and unpaired surrogates on one line', () => {
    for (const text of [
      'a\u0000',
      '\u0001',
      'a\tb',
      'a\nb',
      '\u007f',
      '\u0085',
      '\u009f',
      '\ud800',
      'x\udfff',
    ]) {
      expect(isSafeInputText(text, 'line')).toBe(false);
    }
  });

  it('lets free text break lines and tabulate, and nothing else of the controls', () => {
    expect(isSafeInputText('-----BEGIN CERTIFICATE-----\r\nMII\tx\n', 'multiline')).toBe(true);
    for (const text of [
      'a\u0000',
      '\u000b',
      '\u000c',
      '\u001b[31m',
      '\u007f',
      '\u0080',
      '\ud83d',
    ]) {
      expect(isSafeInputText(text, 'multiline')).toBe(false);
    }
  });

  it('accepts paired surrogates (astral characters) and other scripts', () => {
    expect(isSafeInputText('🚀 東京 \u200b \u202e', 'line')).toBe(true);
  });

  it('refuses a string exactly when it has a control code point or is not well formed (generated)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (text) => {
        const wellFormed = !/\p{Cs}/u.test(text);
        const controls = [...text].some((c) => /\p{Cc}/u.test(c));
        expect(isSafeInputText(text, 'line')).toBe(wellFormed && !controls);
      }),
      { numRuns: 500 },
    );
  });
});
