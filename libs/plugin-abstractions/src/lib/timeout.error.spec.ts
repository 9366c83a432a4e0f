import { AbortedError, isAbortError, TimeoutError } from './timeout.error';

describe('TimeoutError', () => {
  it('says how long it waited and in which phase', () => {
    const error = new TimeoutError(1_500, 'tls');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'TimeoutError',
      timeoutMs: 1_500,
      phase: 'tls',
      message: 'no answer within 1500 ms',
    });
    expect(new TimeoutError(10).phase).toBe('connect');
  });
});

describe('isAbortError', () => {
  it("recognises ours, the platform's and a real aborted fetch", async () => {
    expect(isAbortError(new AbortedError())).toBe(true);
    expect(isAbortError(new DOMException('stop', 'AbortError'))).toBe(true);
    const aborted = await fetch('http://127.0.0.1:1/', { signal: AbortSignal.abort() }).catch(
      (error: unknown) => error,
    );
    expect(isAbortError(aborted)).toBe(true);
  });

  it('rejects anything else', () => {
    expect(isAbortError(new TimeoutError(1))).toBe(false);
    expect(isAbortError(new Error('AbortError'))).toBe(false);
    expect(isAbortError('AbortError')).toBe(false);
    expect(isAbortError(null)).toBe(false);
  });
});
