import type { TestApp } from '../testing/test-app';
import { startTestApp } from '../testing/test-app';
import { inMemoryDraft } from '../testing/in-memory-draft';

/** The value of one sample (exact name and label set) in a scrape; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((each) => each.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function scrape(t: TestApp): Promise<string> {
  const response = await t.request('GET', '/metrics', { token: null });
  expect(response.status).toBe(200);
  return response.text;
}

async function register(t: TestApp, settings: Record<string, unknown>): Promise<string> {
  const created = await t.request('POST', '/api/v1/integrations', {
    body: inMemoryDraft({ settings, healthCheckIntervalSeconds: 10 }),
  });
  expect(created.status).toBe(201);
  return (created.body as { id: string }).id;
}

const HEALTHY = 'integrations_health_check_total{provider="in-memory",status="healthy"}';
const UNHEALTHY = 'integrations_health_check_total{provider="in-memory",status="unhealthy"}';
const DEGRADED = 'integrations_health_check_total{provider="in-memory",status="degraded"}';
const TESTS = 'integrations_test_connection_duration_seconds_count{provider="in-memory"}';
const TEST_SECONDS = 'integrations_test_connection_duration_seconds_sum{provider="in-memory"}';

describe('the seed metrics count what was done', () => {
  describe('through the API', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp();
    }, 60_000);

    afterAll(async () => {
      await t?.close();
      await t?.backend.dispose();
    });

    it('counts each health check by its status and times each connection test', async () => {
      const healthy = await register(t, {});
      const flaky = await register(t, { failTimes: 2 });
      const degraded = await register(t, { health: 'degraded', latencyMs: 30 });
      const before = await scrape(t);

      const check = (id: string) => t.request('POST', `/api/v1/integrations/${id}/health/check`);
      const test = (id: string) => t.request('POST', `/api/v1/integrations/${id}/test`);
      for (const response of [
        await check(healthy),
        await check(healthy),
        await check(flaky), // failure 1 of 2
        await check(flaky), // failure 2 of 2
        await check(flaky), // healthy from now on
        await check(degraded),
        await test(healthy),
        await test(degraded),
        await test(flaky),
      ]) {
        expect(response.status).toBe(200);
      }
      const after = await scrape(t);
      const delta = (series: string) => sample(after, series) - sample(before, series);
      expect(delta(HEALTHY)).toBe(3);
      expect(delta(UNHEALTHY)).toBe(2);
      expect(delta(DEGRADED)).toBe(1);
      // Connection tests are timed, not counted as health checks.
      expect(delta(TESTS)).toBe(3);
      // The degraded registration answers after 30 ms: the sum holds at least that.
      expect(delta(TEST_SECONDS)).toBeGreaterThanOrEqual(0.03);
      // Nothing but the seed's labels on the seed's metrics.
      for (const line of after.split('\n')) {
        if (line.startsWith('integrations_health_check_total{')) {
          expect(line).toMatch(
            /^integrations_health_check_total\{provider="[^"]+",status="[^"]+"\} \d+$/,
          );
        }
        if (line.startsWith('integrations_test_connection_duration_seconds_count{')) {
          expect(line).toMatch(/^[a-z_]+\{provider="[^"]+"\} \d+$/);
        }
      }
    });
  });

  describe('by the poller', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({
        env: { HEALTH_POLLER_ENABLED: 'true', HEALTH_POLLER_IDLE_MS: '100' },
      });
    }, 60_000);

    afterAll(async () => {
      await t?.close();
      await t?.backend.dispose();
    });

    it('counts every check the poller ran, as the history records them, and reports no lag once it caught up', async () => {
      const ids = [await register(t, {}), await register(t, { health: 'unhealthy' })];
      // A new registration is due at once: wait for each one's first check in its history.
      const deadline = Date.now() + 20_000;
      const histories = new Map<string, { status: string }[]>();
      while (Date.now() < deadline && histories.size < ids.length) {
        for (const id of ids) {
          const view = await t.request('GET', `/api/v1/integrations/${id}/health`);
          const history = (view.body as { history: { status: string }[] }).history;
          if (history.length > 0) histories.set(id, history);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(histories.size).toBe(2);
      const text = await scrape(t);
      const recorded = [...histories.values()].flat();
      expect(sample(text, HEALTHY)).toBe(
        recorded.filter((entry) => entry.status === 'healthy').length,
      );
      expect(sample(text, UNHEALTHY)).toBe(
        recorded.filter((entry) => entry.status === 'unhealthy').length,
      );
      expect(sample(text, HEALTHY)).toBeGreaterThanOrEqual(1);
      expect(sample(text, UNHEALTHY)).toBeGreaterThanOrEqual(1);
      expect(text).toMatch(/^integrations_poller_lag_seconds \d+(\.\d+)?$/m);
      expect(sample(text, 'integrations_poller_overdue')).toBe(0);
    }, 30_000);
  });
});
