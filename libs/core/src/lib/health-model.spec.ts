import type { CheckOutcome } from './health-model';
import {
  DEFAULT_CHECK_SCHEDULE_POLICY,
  assessHealth,
  checkGapSeconds,
  nextCheckAtMs,
} from './health-model';

const passed: CheckOutcome = { success: true, status: 'healthy', isTransient: false };
const transient: CheckOutcome = { success: false, status: 'unhealthy', isTransient: true };
const permanent: CheckOutcome = { success: false, status: 'unhealthy', isTransient: false };
const inconclusive: CheckOutcome = { success: false, status: 'unknown', isTransient: false };

describe('assessHealth', () => {
  it('reports a pass as healthy, or degraded when the plugin said so, and resets the streak', () => {
    expect(assessHealth(5, passed)).toEqual({ health: 'healthy', consecutiveFailures: 0 });
    expect(assessHealth(5, { ...passed, status: 'degraded' })).toEqual({
      health: 'degraded',
      consecutiveFailures: 0,
    });
  });

  it('never reports a pass that says unknown or unhealthy as anything but healthy', () => {
    // A pass is a pass: only degraded qualifies it.
    expect(assessHealth(0, { ...passed, status: 'unknown' }).health).toBe('healthy');
  });

  it('is degraded after transient failures until the threshold, then unhealthy', () => {
    const thresholds = { unhealthyAfter: 3 };
    expect(assessHealth(0, transient, thresholds)).toEqual({
      health: 'degraded',
      consecutiveFailures: 1,
    });
    expect(assessHealth(1, transient, thresholds)).toEqual({
      health: 'degraded',
      consecutiveFailures: 2,
    });
    expect(assessHealth(2, transient, thresholds)).toEqual({
      health: 'unhealthy',
      consecutiveFailures: 3,
    });
    expect(assessHealth(0, transient, { unhealthyAfter: 1 }).health).toBe('unhealthy');
  });

  it('is unhealthy at once after a permanent failure', () => {
    expect(assessHealth(0, permanent)).toEqual({ health: 'unhealthy', consecutiveFailures: 1 });
  });

  it('is unknown, never healthy, when the check could not conclude, and keeps the streak', () => {
    expect(assessHealth(2, inconclusive)).toEqual({ health: 'unknown', consecutiveFailures: 2 });
  });
});

describe('checkGapSeconds', () => {
  it('is the interval without failures', () => {
    expect(checkGapSeconds(300, 0)).toBe(300);
  });

  it('doubles per failure from the second on, capped by the multiplier and the seconds', () => {
    expect([1, 2, 3, 4, 5, 9].map((k) => checkGapSeconds(60, k))).toEqual([
      60, 120, 240, 480, 480, 480,
    ]);
    expect(checkGapSeconds(300, 4)).toBe(2_400);
    expect(checkGapSeconds(600, 4)).toBe(DEFAULT_CHECK_SCHEDULE_POLICY.maxBackoffSeconds);
    // Never shorter than the interval, even when the cap is.
    expect(checkGapSeconds(7_200, 3)).toBe(7_200);
  });
});

describe('nextCheckAtMs', () => {
  it('stays anchored to the due time, whatever the check took', () => {
    expect(nextCheckAtMs(1_000_000, 1_004_000, 300)).toBe(1_300_000);
  });

  it('places a check that fell more than a gap behind at a random point of the coming gap', () => {
    const now = 5_000_000;
    expect(nextCheckAtMs(1_000_000, now, 300, () => 0)).toBe(now);
    expect(nextCheckAtMs(1_000_000, now, 300, () => 0.5)).toBe(now + 150_000);
    expect(nextCheckAtMs(1_000_000, now, 300, () => 0.999)).toBeLessThan(now + 300_000);
  });
});
