import { findText } from './find-text';

describe('findText', () => {
  it('reports the path of every string holding a needle, keys included', () => {
    const value = {
      message: 'no secret here',
      details: { headers: [{ authorization: 'Bearer tok-123' }], 'tok-123': true },
    };

    expect(findText(value, ['tok-123', 'absent'])).toEqual([
      { path: 'details.headers[0].authorization', needleIndex: 0 },
      { path: 'details.tok-123', needleIndex: 0 },
    ]);
  });

  it('looks inside error messages and causes, maps and sets, and survives cycles', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    const error = new Error('outer', { cause: new Error('inner tok-123') });
    const value = { error, map: new Map([['k', 'tok-123']]), set: new Set(['tok-123']), cyclic };

    expect(findText(value, ['tok-123']).map((match) => match.path)).toEqual([
      'error.cause.message',
      'map<k>',
      'set[0]',
    ]);
  });

  it('finds a bare string and ignores empty needles', () => {
    expect(findText('tok-123', ['', 'tok'])).toEqual([{ path: '(value)', needleIndex: 1 }]);
  });
});
