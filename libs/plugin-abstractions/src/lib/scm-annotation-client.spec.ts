import { ScmResults } from './scm-annotation-client';

describe('ScmResults', () => {
  it('ok carries the result', () => {
    expect(ScmResults.ok({ commentId: '7', action: 'created' })).toEqual({
      success: true,
      result: { commentId: '7', action: 'created' },
      isTransient: false,
      skippedOffline: false,
    });
  });

  it('failed carries the message and whether a retry may help, and no result', () => {
    const result = ScmResults.failed('rate limited (HTTP 429)', true);
    expect(result).toEqual({
      success: false,
      errorMessage: 'rate limited (HTTP 429)',
      isTransient: true,
      skippedOffline: false,
    });
    expect('result' in result).toBe(false);
  });

  it('skippedOffline is a non-transient failure that says nothing was sent', () => {
    expect(ScmResults.skippedOffline()).toEqual({
      success: false,
      errorMessage: 'offline mode: nothing was sent',
      isTransient: false,
      skippedOffline: true,
    });
    expect(ScmResults.skippedOffline('air-gapped site').errorMessage).toBe('air-gapped site');
  });
});
