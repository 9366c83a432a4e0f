import type { CheckResult } from '@stellaops/integrations-core';
import type { CallTiming } from '@stellaops/integrations-plugin-host';
import { withOutboundCalls } from './outbound-result';
import { REDACTED } from './redact-secrets';

const failed: CheckResult = {
  success: false,
  status: 'unhealthy',
  message: 'unexpected failure (TypeError)',
  durationMs: 12,
  checkedAt: '2026-12-01T00:00:00.000Z',
  isTransient: true,
  phase: 'api',
  details: { code: 'X' },
};

const call = (fields: Partial<CallTiming>): CallTiming => ({
  url: 'https://git.corp/api/v4/version',
  method: 'GET',
  address: null,
  reused: false,
  dnsMs: 1,
  connectMs: null,
  tlsMs: null,
  firstByteMs: null,
  totalMs: 1,
  ...fields,
});

describe('withOutboundCalls', () => {
  it('puts the calls in details, masking secrets, and leaves a result without calls as it is', () => {
    expect(withOutboundCalls(failed, [], [])).toBe(failed);
    const ok = { ...failed, success: true, status: 'healthy' as const, phase: null };
    const result = withOutboundCalls(
      ok,
      [call({ url: 'https://git.corp/tok-1/x', status: 200 })],
      ['tok-1'],
    );
    expect(result.details).toEqual({
      code: 'X',
      calls: [expect.objectContaining({ url: `https://git.corp/${REDACTED}/x`, status: 200 })],
    });
    expect(result.phase).toBeNull();
  });

  it('makes a failure with a refused call a config failure naming the class and the variable', () => {
    const result = withOutboundCalls(
      failed,
      [call({ refused: 'private', error: 'ERR_OUTBOUND_REFUSED' })],
      [],
    );
    expect(result).toMatchObject({
      success: false,
      phase: 'config',
      isTransient: false,
      message:
        'the outbound policy refused a call to https://git.corp/api/v4/version: a private (RFC 1918) address; set OUTBOUND_ALLOW_CIDRS to allow it',
    });
  });

  it("keeps the host's own refusal message when the plugin passed it on", () => {
    const message = 'the outbound policy refused … set OUTBOUND_ALLOW_CIDRS (…) to allow it';
    const result = withOutboundCalls(
      { ...failed, message, phase: 'config' },
      [call({ refused: 'metadata' })],
      [],
    );
    expect(result.message).toBe(message);
    const metadata = withOutboundCalls(failed, [call({ refused: 'metadata' })], []);
    expect(metadata.message).toContain('which is always refused');
  });
});
