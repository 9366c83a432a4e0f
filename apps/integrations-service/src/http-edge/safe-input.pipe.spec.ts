import { InputError } from '@stellaops/integrations-core';
import { SafeInputPipe } from './safe-input.pipe';

describe('SafeInputPipe', () => {
  const pipe = new SafeInputPipe();

  function errorsOf(run: () => unknown): unknown {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return (error as InputError).errors;
    }
    throw new Error('expected an InputError');
  }

  it('passes ordinary input through unchanged (the same object)', () => {
    const body = { name: 'x', settings: { pem: 'a\nb' } };
    expect(pipe.transform(body, { type: 'body' })).toBe(body);
    expect(pipe.transform({ q: 'x' }, { type: 'query' })).toEqual({ q: 'x' });
    expect(pipe.transform('id', { type: 'param', data: 'id' })).toBe('id');
  });

  it('names the field: body paths from the root, query paths by parameter, path params by name', () => {
    expect(errorsOf(() => pipe.transform({ a: ['\u0000'] }, { type: 'body' }))).toEqual([
      { path: '/a/0', message: expect.any(String) },
    ]);
    expect(errorsOf(() => pipe.transform({ q: 'a\nb' }, { type: 'query' }))).toEqual([
      { path: '/q', message: expect.any(String) },
    ]);
    expect(errorsOf(() => pipe.transform('x\u0000', { type: 'param', data: 'id' }))).toEqual([
      { path: '/id', message: expect.any(String) },
    ]);
  });

  it('leaves custom parameters (the principal) alone', () => {
    const principal = { subject: 'a\u0000' };
    expect(pipe.transform(principal, { type: 'custom' })).toBe(principal);
  });
});
