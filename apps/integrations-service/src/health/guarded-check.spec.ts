import type { CheckResult } from '@stellaops/integrations-core';
import { AbortedError, CheckRecorder } from '@stellaops/integrations-plugin-abstractions';
import { ManualClock } from '@stellaops/integrations-testing';
import { contractResult, guardedCheck } from './guarded-check';

const healthy: CheckResult = {
  success: true,
  status: 'healthy',
  message: 'ok',
  durationMs: 5,
  checkedAt: '2026-11-02T10:00:00.000Z',
  isTransient: false,
  phase: null,
  details: { version: '17.2' },
};

function options(overrides: Partial<Parameters<typeof guardedCheck>[1]> = {}) {
  return {
    timeoutMs: 1_000,
    signal: new AbortController().signal,
    recorder: CheckRecorder.start(new ManualClock()),
    secrets: () => [],
    ...overrides,
  };
}

describe('guardedCheck', () => {
  it("returns the plugin's result", async () => {
    await expect(guardedCheck(async () => healthy, options())).resolves.toEqual(healthy);
  });

  it('turns a thrown error into a failure result', async () => {
    const result = await guardedCheck(async () => {
      throw Object.assign(new Error('boom'), { code: 'ECONNREFUSED' });
    }, options());
    expect(result).toMatchObject({ success: false, status: 'unhealthy', phase: 'connect' });
  });

  it('turns a synchronous throw into a failure result', async () => {
    const result = await guardedCheck(() => {
      throw new TypeError('not a function');
    }, options());
    expect(result.success).toBe(false);
  });

  it('gives up on a plugin that never answers', async () => {
    const started = Date.now();
    const result = await guardedCheck(
      () => new Promise<never>(() => undefined),
      options({ timeoutMs: 50 }),
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(result).toMatchObject({ success: false, isTransient: true, phase: 'connect' });
  });

  it('ends with an unknown result as soon as the caller aborts', async () => {
    const controller = new AbortController();
    let pluginSignal: AbortSignal | undefined;
    const pending = guardedCheck(
      (signal) => {
        pluginSignal = signal;
        return new Promise<never>(() => undefined);
      },
      options({ signal: controller.signal, timeoutMs: 60_000 }),
    );
    controller.abort(new AbortedError());
    const result = await pending;
    expect(result).toMatchObject({ success: false, status: 'unknown', phase: null });
    expect(pluginSignal?.aborted).toBe(true);
  });

  it('masks secrets the plugin resolved, in the message and the details', async () => {
    const result = await guardedCheck(
      async () => ({
        ...healthy,
        success: false,
        status: 'unhealthy' as const,
        phase: 'auth' as const,
        message: 'token s3cr3t-token was refused',
        details: { sent: { header: 'Bearer s3cr3t-token' } },
      }),
      options({ secrets: () => ['s3cr3t-token'] }),
    );
    expect(JSON.stringify(result)).not.toContain('s3cr3t-token');
    expect(result.message).toBe('token [REDACTED] was refused');
  });
});

describe('contractResult', () => {
  const recorder = CheckRecorder.start(new ManualClock());

  it('keeps only the fields of the contract and rounds the duration', () => {
    expect(contractResult({ ...healthy, durationMs: 4.6, secret: 'x' }, recorder)).toEqual({
      ...healthy,
      durationMs: 5,
    });
  });

  it.each([
    ['undefined', undefined],
    ['a string', 'healthy'],
    ['an unknown status', { ...healthy, status: 'fine' }],
    ['an unknown phase', { ...healthy, phase: 'network' }],
    ['a missing message', { ...healthy, message: undefined }],
    ['a non-finite duration', { ...healthy, durationMs: Number.NaN }],
    ['no details', { ...healthy, details: undefined }],
    ['a healthy failure', { ...healthy, success: false, phase: 'api' }],
  ])('turns %s into a failure that blames the plugin', (_label, value) => {
    expect(contractResult(value, recorder)).toMatchObject({
      success: false,
      status: 'unknown',
      message: expect.stringMatching(
        /^the plugin returned a result that does not follow the plugin contract: \S/,
      ),
    });
  });

  it('names what is wrong, as the conformance kit does', () => {
    expect(contractResult({ ...healthy, status: 'unknown' }, recorder).message).toBe(
      "the plugin returned a result that does not follow the plugin contract: a success has status 'unknown'",
    );
  });
});
