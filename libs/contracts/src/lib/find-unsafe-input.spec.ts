import fc from 'fast-check';
import { ContractLimits } from './contract-limits';
import { findUnsafeInput } from './find-unsafe-input';

function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? { a: value } : [value];
  return value;
}

describe('findUnsafeInput', () => {
  it('finds nothing wrong with ordinary JSON', () => {
    expect(
      findUnsafeInput({ name: 'x', settings: { pem: '-----BEGIN-----\nA\n', n: [1, null, true] } }),
    ).toEqual([]);
  });

  it('names the field of a refused string at any depth, and of a refused property name', () => {
    expect(findUnsafeInput({ settings: { a: [{ b: 'x\u0000' }] } })).toEqual([
      { path: '/settings/a/0/b', message: expect.stringContaining('NUL') },
    ]);
    const errors = findUnsafeInput({ credentials: { 'tok\u0000en': 'authref://env/X' } });
    expect(errors).toEqual([
      { path: '/credentials', message: expect.stringMatching(/property name/) },
    ]);
    expect(JSON.stringify(errors)).not.toContain('tok');
    expect(findUnsafeInput({ 'a\ud800': 1 })).toHaveLength(1);
  });

  it('checks one-line values more strictly', () => {
    expect(findUnsafeInput('a\nb', { path: '/q', strings: 'line' })).toEqual([
      { path: '/q', message: expect.any(String) },
    ]);
    expect(findUnsafeInput('a\nb')).toEqual([]);
  });

  it(`accepts ${ContractLimits.maxJsonDepth} levels and refuses one more`, () => {
    expect(findUnsafeInput(nested(ContractLimits.maxJsonDepth))).toEqual([]);
    const errors = findUnsafeInput(nested(ContractLimits.maxJsonDepth + 1));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/deeper than 32/);
  });

  it('walks a hostile nesting of 100,000 levels without overflowing the stack', () => {
    const text = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(findUnsafeInput(JSON.parse(text))).toHaveLength(1);
  });

  it('reports at most maxErrors errors', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, '\u0000']));
    expect(findUnsafeInput(many, { maxErrors: 5 })).toHaveLength(5);
  });

  it('refuses a generated value when it nests too deep or holds unsafe text, and only then', () => {
    const unsafe = fc.constantFrom('\u0000', '\u0007', '\u001b', '\u009b', '\ud800', '\udfff');
    // Printable ASCII only (the default unit), at most 3 levels deep: safe unless we add to it.
    const safe = fc
      .jsonValue({ maxDepth: 3 })
      .filter((v) => /^[\x20-\x7e]*$/.test(JSON.stringify(v)));
    const where = fc.constantFrom('key', 'value');
    fc.assert(
      fc.property(
        safe,
        fc.option(fc.tuple(unsafe, where), { nil: undefined }),
        fc.integer({ min: 0, max: 40 }),
        (value, bad, depth) => {
          const extra =
            bad === undefined ? {} : bad[1] === 'key' ? { [`k${bad[0]}`]: 1 } : { k: `v${bad[0]}` };
          const errors = findUnsafeInput(nested(depth, { value, ...extra }));
          // The wrapper is one level and the generated value at most four more.
          if (bad !== undefined || depth + 1 > ContractLimits.maxJsonDepth) {
            expect(errors.length).toBeGreaterThan(0);
          } else if (depth + 5 <= ContractLimits.maxJsonDepth) {
            expect(errors).toEqual([]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
