import fc from 'fast-check';
import { normalizeTags } from './integration';

describe('normalizeTags', () => {
  it('trims, drops empty tags, de-duplicates and sorts', () => {
    expect(normalizeTags([' prod', 'team-a', 'prod ', '', '   ', 'eu', 'team-a'])).toEqual([
      'eu',
      'prod',
      'team-a',
    ]);
  });

  it('gives an empty list for no tags', () => {
    expect(normalizeTags(undefined)).toEqual([]);
    expect(normalizeTags([])).toEqual([]);
  });

  it('keeps case: tags are compared exactly', () => {
    expect(normalizeTags(['Prod', 'prod'])).toEqual(['Prod', 'prod']);
  });

  it('does not change its input', () => {
    const tags = Object.freeze(['b', 'a']);
    expect(normalizeTags(tags)).toEqual(['a', 'b']);
    expect(tags).toEqual(['b', 'a']);
  });

  it('is idempotent and independent of order', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 8 }), { maxLength: 20 }), (tags) => {
        const once = normalizeTags(tags);
        const shuffled = normalizeTags([...tags].reverse());
        return (
          JSON.stringify(normalizeTags(once)) === JSON.stringify(once) &&
          JSON.stringify(shuffled) === JSON.stringify(once) &&
          once.every((tag) => tag === tag.trim() && tag !== '') &&
          once.slice(1).every((tag, i) => (once[i] ?? '') < tag)
        );
      }),
    );
  });
});
