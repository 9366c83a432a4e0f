import { randomUUID } from 'node:crypto';
import type { HttpResult, TestApp } from '../../testing/test-app';
import { startTestApp } from '../../testing/test-app';
import { createTestBackend } from '../../testing/test-backend';

const SEED_FAMILIES = [
  ['integrations_health_check_total', 'counter'],
  ['integrations_test_connection_duration_seconds', 'histogram'],
  ['scm_annotation_total', 'counter'],
  ['scm_annotation_duration_seconds', 'histogram'],
] as const;

function requestCount(labels: string): string {
  return `http_server_request_duration_count{${labels}}`;
}

/** The value of the sample `series` (exact name and labels) in a scrape; undefined if absent. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * Scrapes until `series` has `value`. A request's metric is recorded when Fastify has finished
 * its response, which the client may see a moment before.
 */
async function scrapeUntil(t: TestApp, series: string, value: number): Promise<string> {
  let text = '';
  for (let attempt = 0; attempt < 50; attempt++) {
    text = (await t.request('GET', '/metrics', { token: null })).text;
    if (valueOf(text, series) === value) return text;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${series} never reached ${value}; last scrape:\n${text}`);
}

describe('GET /metrics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { HEALTH_POLLER_ENABLED: 'false' } });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await t?.backend.dispose();
  });

  it('serves Prometheus text without a token, with the seed families and the HTTP requests by route template and status', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await t.request('GET', '/api/v1/providers')).status).toBe(200);
    }
    const missing = randomUUID();
    expect((await t.request('GET', `/api/v1/integrations/${missing}`)).status).toBe(404);
    expect((await t.request('GET', '/no/such/path')).status).toBe(404);
    expect((await t.request('GET', '/api/v1/providers', { token: null })).status).toBe(401);

    const get = 'http_request_method="GET"';
    const text = await scrapeUntil(
      t,
      requestCount(`${get},http_response_status_code="200",http_route="/api/v1/providers"`),
      3,
    );
    const scrape: HttpResult = await t.request('GET', '/metrics', { token: null });
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toBe('text/plain; charset=utf-8');

    expect(
      valueOf(
        text,
        requestCount(`${get},http_response_status_code="401",http_route="/api/v1/providers"`),
      ),
    ).toBe(1);
    // The route template, never the URL with its id.
    expect(
      valueOf(
        text,
        requestCount(
          `${get},http_response_status_code="404",http_route="/api/v1/integrations/:id"`,
        ),
      ),
    ).toBe(1);
    expect(text).not.toContain(missing);
    // A path no route matched: no route label at all, and not the path either.
    expect(valueOf(text, requestCount(`${get},http_response_status_code="404"`))).toBe(1);
    expect(text).not.toContain('/no/such/path');
    expect(text).toContain(
      `http_server_request_duration_bucket{${get},http_response_status_code="200",http_route="/api/v1/providers",le="+Inf"} 3`,
    );
    expect(text).toMatch(
      /^http_server_request_duration_sum\{http_request_method="GET",http_response_status_code="200",http_route="\/api\/v1\/providers"\} \d+(\.\d+)?(e-\d+)?$/m,
    );

    for (const [family, type] of SEED_FAMILIES) {
      expect(text).toMatch(new RegExp(`^# HELP ${family} \\S.*$`, 'm'));
      expect(text).toContain(`\n# TYPE ${family} ${type}\n`);
    }
    expect(text).toContain('# TYPE http_server_request_duration histogram\n');
    expect(text).not.toMatch(/otel_scope_|target_info/);

    // The scrapes count as requests too, under their own route.
    expect(
      valueOf(
        (await t.request('GET', '/metrics', { token: null })).text,
        requestCount(`${get},http_response_status_code="200",http_route="/metrics"`),
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  it('is not part of the OpenAPI document', async () => {
    const docs = await t.request<{ paths: Record<string, unknown> }>('GET', '/docs-json', {
      token: null,
    });
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toContain('/api/v1/providers');
    expect(Object.keys(docs.body.paths)).not.toContain('/metrics');
  });
});

describe('METRICS_ENABLED=false', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      backend: await createTestBackend(),
      env: { METRICS_ENABLED: 'false', HEALTH_POLLER_ENABLED: 'false' },
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await t?.backend.dispose();
  });

  it('answers /metrics as any unknown path: 404 problem+json', async () => {
    expect((await t.request('GET', '/api/v1/providers')).status).toBe(200);
    const metrics = await t.request('GET', '/metrics', { token: null });
    const unknown = await t.request('GET', '/metricz', { token: null });
    expect(metrics.status).toBe(404);
    expect(metrics.headers.get('content-type')).toContain('application/problem+json');
    expect(unknown.status).toBe(404);
    expect(metrics.body).toEqual(
      JSON.parse(JSON.stringify(unknown.body).replaceAll('/metricz', '/metrics')),
    );
    expect(metrics.body).toMatchObject({ status: 404, instance: '/metrics' });
  });
});
