import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { CheckRecorder, guardCheck } from './check-recorder';
import type { CheckResult } from './check-result';
import type { Clock } from './plugin-host';
import { ProviderError } from './provider-error';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

class ManualClock implements Clock {
  constructor(private ms: number) {}

  now(): Date {
    return new Date(this.ms);
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}

const START = Date.parse('2026-11-02T10:00:00.000Z');

describe('CheckRecorder', () => {
  let clock: ManualClock;
  let check: CheckRecorder;

  beforeEach(() => {
    clock = new ManualClock(START);
    check = CheckRecorder.start(clock);
    clock.advance(1_234);
  });

  it('records a healthy result with its duration from the clock and a UTC timestamp', () => {
    expect(check.healthy('authenticated as bot', { user: 'bot' })).toEqual({
      success: true,
      status: 'healthy',
      message: 'authenticated as bot',
      durationMs: 1_234,
      checkedAt: '2026-11-02T10:00:01.234Z',
      isTransient: false,
      phase: null,
      details: { user: 'bot' },
    });
  });

  it('records a degraded result as a success', () => {
    expect(check.degraded('rate limit almost spent')).toMatchObject({
      success: true,
      status: 'degraded',
      phase: null,
      details: {},
    });
  });

  it('records a failure, unhealthy unless told otherwise', () => {
    const failure = check.failed({ phase: 'auth', message: 'token refused', isTransient: false });
    expect(failure).toEqual({
      success: false,
      status: 'unhealthy',
      message: 'token refused',
      durationMs: 1_234,
      checkedAt: '2026-11-02T10:00:01.234Z',
      isTransient: false,
      phase: 'auth',
      details: {},
    });
    expect(
      check.failed({ phase: null, message: 'nothing learnt', isTransient: true, status: 'unknown' })
        .status,
    ).toBe('unknown');
  });

  it('classifies a thrown error into a failure and keeps its code and wait in the details', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), {
      code: 'ECONNREFUSED',
    });
    expect(
      check.fromError(new TypeError('fetch failed', { cause: refused }), { url: '/x' }),
    ).toMatchObject({
      success: false,
      status: 'unhealthy',
      phase: 'connect',
      isTransient: true,
      message: 'could not connect to the endpoint (ECONNREFUSED)',
      details: { url: '/x', code: 'ECONNREFUSED' },
    });
    const limited = ProviderError.fromResponse(
      new Response(null, { status: 429, headers: { 'retry-after': '3' } }),
    );
    expect(check.fromError(limited).details).toEqual({ retryAfterMs: 3_000 });
  });

  it('reports an abort as status unknown, not as a failure of the connection', () => {
    const result = check.fromError(new DOMException('aborted', 'AbortError'));
    expect(result).toMatchObject({ success: false, status: 'unknown', phase: null });
  });

  it('never reports a negative duration when the clock steps back', () => {
    clock.advance(-5_000);
    expect(check.healthy('ok').durationMs).toBe(0);
  });

  it('stamps checkedAt in UTC on the system clock by default', () => {
    const before = Date.now();
    const result = CheckRecorder.start().healthy('ok');
    expect(result.checkedAt).toMatch(ISO_UTC);
    expect(Date.parse(result.checkedAt)).toBeGreaterThanOrEqual(before);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });
});

describe('guardCheck', () => {
  const host = (timeoutMs = 5_000, clock: Clock = new ManualClock(START)) => ({ clock, timeoutMs });
  const live = (): AbortSignal => new AbortController().signal;

  it("returns the body's result, timed by the host's clock", async () => {
    const clock = new ManualClock(START);
    const result = await guardCheck(host(5_000, clock), live(), async (_signal, check) => {
      clock.advance(250);
      return check.healthy('fine');
    });
    expect(result).toMatchObject({
      success: true,
      durationMs: 250,
      checkedAt: '2026-11-02T10:00:00.250Z',
    });
  });

  it('turns a thrown error into a classified failure', async () => {
    const result = await guardCheck(host(), live(), async () => {
      throw ProviderError.fromResponse(new Response(null, { status: 401 }), 'GET /user');
    });
    expect(result).toMatchObject({
      success: false,
      status: 'unhealthy',
      phase: 'auth',
      isTransient: false,
      message: 'GET /user: the provider refused the credentials (HTTP 401)',
    });
  });

  it('turns a real network failure into a result', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');
    const result = await guardCheck(host(), live(), async (signal, check) => {
      await fetch(`http://127.0.0.1:${port}/`, { signal });
      return check.healthy('unreachable');
    });
    expect(result).toMatchObject({ success: false, phase: 'connect', isTransient: true });
  });

  it('never throws, whatever the body throws', async () => {
    const result = await guardCheck(host(), live(), () => {
      throw 'a string';
    });
    expect(result).toMatchObject({
      success: false,
      phase: 'api',
      message: 'unexpected failure (string)',
    });
  });

  it('reports a body that hangs as a transient timeout within host.timeoutMs', async () => {
    let bodySignal: AbortSignal | undefined;
    const startedAt = Date.now();
    const result: CheckResult = await guardCheck(
      host(50, { now: () => new Date() }),
      live(),
      (signal) => {
        bodySignal = signal;
        return new Promise<CheckResult>(() => undefined);
      },
    );
    const elapsed = Date.now() - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(1_000);
    expect(result).toMatchObject({
      success: false,
      status: 'unhealthy',
      phase: 'connect',
      isTransient: true,
      message: 'no answer within 50 ms',
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(45);
    expect(bodySignal?.aborted).toBe(true);
  });

  it("reports the caller's abort as status unknown, promptly", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    const startedAt = Date.now();
    const result = await guardCheck(
      host(60_000),
      controller.signal,
      () => new Promise(() => undefined),
    );
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(result).toMatchObject({
      success: false,
      status: 'unknown',
      phase: null,
      isTransient: true,
    });
  });

  it('does not run the body when the signal is already aborted', async () => {
    const body = jest.fn(async (_signal: AbortSignal, check: CheckRecorder) =>
      check.healthy('ran'),
    );
    const result = await guardCheck(host(), AbortSignal.abort(), body);
    expect(body).not.toHaveBeenCalled();
    expect(result.status).toBe('unknown');
  });
});
