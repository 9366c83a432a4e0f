import { Logger } from '@nestjs/common';
import type { GaugeReading, GaugeSource } from './metrics';
import { OtelMetrics } from './otel-metrics';

const ON = { enabled: true, gaugeTimeoutMs: 1_000 } as const;

/** The sample lines of the families whose names start with `prefix`, in the order scraped. */
function samples(text: string, prefix: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(prefix));
}

/** A family's lines: its HELP, UNIT and TYPE comments and its samples. */
function familyLines(text: string, family: string): string[] {
  return text
    .split('\n')
    .filter(
      (line) =>
        line.startsWith(`# HELP ${family} `) ||
        line.startsWith(`# UNIT ${family} `) ||
        line.startsWith(`# TYPE ${family} `) ||
        line.startsWith(`${family} `) ||
        line.startsWith(`${family}{`),
    );
}

/** Every label name a scrape writes on `family`'s samples (bucket `le` aside). */
function labelNames(text: string, family: string): string[] {
  const names = new Set<string>();
  for (const line of samples(text, family)) {
    const labels = /^[a-z_]+\{([^}]*)\}/.exec(line)?.[1] ?? '';
    for (const pair of labels.split(',').filter((p) => p !== '')) {
      const name = pair.split('=')[0] as string;
      if (name !== 'le') names.add(name);
    }
  }
  return [...names].sort();
}

function gauge(name: string, read: () => Promise<readonly GaugeReading[]>): GaugeSource {
  return { name, description: `${name} help`, unit: '', read };
}

describe('OtelMetrics', () => {
  let warn: jest.SpyInstance;
  let log: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('exposes every family with HELP and TYPE before anything is recorded, with no scope labels or target_info', async () => {
    const metrics = new OtelMetrics(ON);
    expect(await metrics.scrape()).toBe(
      [
        '# HELP integrations_health_check_total Health checks run, by provider and by the status they found.',
        '# TYPE integrations_health_check_total counter',
        '# HELP integrations_test_connection_duration_seconds How long connection tests took, by provider.',
        '# UNIT integrations_test_connection_duration_seconds s',
        '# TYPE integrations_test_connection_duration_seconds histogram',
        '# HELP scm_annotation_total SCM operations (comments, statuses, check runs), by provider, operation and outcome.',
        '# TYPE scm_annotation_total counter',
        '# HELP scm_annotation_duration_seconds How long SCM operations took, by provider and operation.',
        '# UNIT scm_annotation_duration_seconds s',
        '# TYPE scm_annotation_duration_seconds histogram',
        '# HELP http_server_request_duration How long the service took to answer HTTP requests.',
        '# UNIT http_server_request_duration s',
        '# TYPE http_server_request_duration histogram',
        '',
      ].join('\n'),
    );
  });

  it('counts health checks by provider and status', async () => {
    const metrics = new OtelMetrics(ON);
    metrics.recordHealthCheck('gitlab', 'healthy');
    metrics.recordHealthCheck('gitlab', 'healthy');
    metrics.recordHealthCheck('gitlab', 'unhealthy');
    metrics.recordHealthCheck('harbor', 'degraded');
    const text = await metrics.scrape();
    expect(samples(text, 'integrations_health_check')).toEqual([
      'integrations_health_check_total{provider="gitlab",status="healthy"} 2',
      'integrations_health_check_total{provider="gitlab",status="unhealthy"} 1',
      'integrations_health_check_total{provider="harbor",status="degraded"} 1',
    ]);
    expect(text).not.toMatch(/otel_scope|target_info/);
  });

  it('records connection tests in seconds, with the count, the sum and cumulative buckets', async () => {
    const metrics = new OtelMetrics(ON);
    metrics.recordTestConnection('gitlab', 0.25);
    metrics.recordTestConnection('gitlab', 0.5);
    metrics.recordTestConnection('gitlab', 3);
    metrics.recordTestConnection('ecr', 400);
    const text = await metrics.scrape();
    const family = 'integrations_test_connection_duration_seconds';
    const bucket = (le: string, count: number) =>
      `${family}_bucket{provider="gitlab",le="${le}"} ${count}`;
    expect(samples(text, `${family}_`).filter((l) => l.includes('"gitlab"'))).toEqual([
      `${family}_count{provider="gitlab"} 3`,
      `${family}_sum{provider="gitlab"} 3.75`,
      bucket('0.005', 0),
      bucket('0.01', 0),
      bucket('0.025', 0),
      bucket('0.05', 0),
      bucket('0.1', 0),
      bucket('0.25', 1),
      bucket('0.5', 2),
      bucket('1', 2),
      bucket('2.5', 2),
      bucket('5', 3),
      bucket('10', 3),
      bucket('30', 3),
      bucket('60', 3),
      bucket('120', 3),
      bucket('300', 3),
      bucket('+Inf', 3),
    ]);
    // Past the last bound: only +Inf holds it.
    expect(samples(text, `${family}_bucket{provider="ecr"`).slice(-2)).toEqual([
      `${family}_bucket{provider="ecr",le="300"} 0`,
      `${family}_bucket{provider="ecr",le="+Inf"} 1`,
    ]);
    expect(labelNames(text, family)).toEqual(['provider']);
  });

  it('records SCM operations: the counter by outcome, the duration by provider and operation only', async () => {
    const metrics = new OtelMetrics(ON);
    metrics.recordScmAnnotation('github-app', 'comment', 'success', 0.5);
    metrics.recordScmAnnotation('github-app', 'comment', 'failure', 1.5);
    metrics.recordScmAnnotation('gitlab', 'status', 'skipped', 0);
    const text = await metrics.scrape();
    expect(samples(text, 'scm_annotation_total')).toEqual([
      'scm_annotation_total{provider="github-app",operation="comment",status="success"} 1',
      'scm_annotation_total{provider="github-app",operation="comment",status="failure"} 1',
      'scm_annotation_total{provider="gitlab",operation="status",status="skipped"} 1',
    ]);
    expect(samples(text, 'scm_annotation_duration_seconds_count')).toEqual([
      'scm_annotation_duration_seconds_count{provider="github-app",operation="comment"} 2',
      'scm_annotation_duration_seconds_count{provider="gitlab",operation="status"} 1',
    ]);
    expect(samples(text, 'scm_annotation_duration_seconds_sum')).toEqual([
      'scm_annotation_duration_seconds_sum{provider="github-app",operation="comment"} 2',
      'scm_annotation_duration_seconds_sum{provider="gitlab",operation="status"} 0',
    ]);
    expect(
      samples(text, 'scm_annotation_duration_seconds_bucket{provider="github-app"').slice(6, 9),
    ).toEqual([
      'scm_annotation_duration_seconds_bucket{provider="github-app",operation="comment",le="0.5"} 1',
      'scm_annotation_duration_seconds_bucket{provider="github-app",operation="comment",le="1"} 1',
      'scm_annotation_duration_seconds_bucket{provider="github-app",operation="comment",le="2.5"} 2',
    ]);
    expect(labelNames(text, 'scm_annotation_total')).toEqual(['operation', 'provider', 'status']);
    expect(labelNames(text, 'scm_annotation_duration_seconds')).toEqual(['operation', 'provider']);
  });

  it('records HTTP requests by method, route template and status; no route for a request that matched none', async () => {
    const metrics = new OtelMetrics(ON);
    const route = '/api/v1/integrations/:id';
    metrics.recordHttpServerRequest({ method: 'GET', route, statusCode: 200, seconds: 0.004 });
    metrics.recordHttpServerRequest({ method: 'GET', route, statusCode: 200, seconds: 0.5 });
    metrics.recordHttpServerRequest({ method: 'GET', route, statusCode: 404, seconds: 0.001 });
    metrics.recordHttpServerRequest({
      method: 'PROPFIND',
      route: undefined,
      statusCode: 404,
      seconds: 0,
    });
    const text = await metrics.scrape();
    expect(samples(text, 'http_server_request_duration_count')).toEqual([
      `http_server_request_duration_count{http_request_method="GET",http_response_status_code="200",http_route="${route}"} 2`,
      `http_server_request_duration_count{http_request_method="GET",http_response_status_code="404",http_route="${route}"} 1`,
      'http_server_request_duration_count{http_request_method="_OTHER",http_response_status_code="404"} 1',
    ]);
    expect(samples(text, 'http_server_request_duration_sum')[0]).toBe(
      `http_server_request_duration_sum{http_request_method="GET",http_response_status_code="200",http_route="${route}"} 0.504`,
    );
    const buckets = samples(
      text,
      'http_server_request_duration_bucket{http_request_method="GET",http_response_status_code="200"',
    );
    expect(buckets.map((line) => /le="([^"]+)"\} (\d+)$/.exec(line)?.slice(1).join(' '))).toEqual([
      '0.005 1',
      '0.01 1',
      '0.025 1',
      '0.05 1',
      '0.075 1',
      '0.1 1',
      '0.25 1',
      '0.5 2',
      '0.75 2',
      '1 2',
      '2.5 2',
      '5 2',
      '7.5 2',
      '10 2',
      '+Inf 2',
    ]);
  });

  it('does not record a duration that is not one, and says so', async () => {
    const metrics = new OtelMetrics(ON);
    metrics.recordTestConnection('gitlab', Number.NaN);
    metrics.recordTestConnection('gitlab', -1);
    metrics.recordScmAnnotation('gitlab', 'comment', 'success', Number.POSITIVE_INFINITY);
    const text = await metrics.scrape();
    expect(samples(text, 'integrations_test_connection_duration_seconds_')).toEqual([]);
    expect(samples(text, 'scm_annotation_duration_seconds_')).toEqual([]);
    // The operation itself still counts.
    expect(samples(text, 'scm_annotation_total')).toHaveLength(1);
    expect(warn.mock.calls.map(([message]) => message)).toEqual([
      'integrations_test_connection_duration_seconds: NaN is not a duration; not recorded',
      'integrations_test_connection_duration_seconds: -1 is not a duration; not recorded',
      'scm_annotation_duration_seconds: Infinity is not a duration; not recorded',
    ]);
  });

  it('records nothing and exposes nothing when disabled', async () => {
    const metrics = new OtelMetrics({ ...ON, enabled: false });
    const read = jest.fn(async () => [{ value: 1 }]);
    metrics.recordHealthCheck('gitlab', 'healthy');
    metrics.recordTestConnection('gitlab', 1);
    metrics.recordScmAnnotation('gitlab', 'comment', 'success', 1);
    metrics.recordHttpServerRequest({ method: 'GET', route: '/x', statusCode: 200, seconds: 1 });
    metrics.registerGauge(gauge('integrations_poller_lag_seconds', read));
    expect(metrics.enabled).toBe(false);
    await expect(metrics.scrape()).rejects.toThrow('metrics are disabled (METRICS_ENABLED=false)');
    await metrics.onApplicationShutdown();
    expect(read).not.toHaveBeenCalled();
  });

  describe('gauges', () => {
    it('reads every gauge at each scrape, with its labels', async () => {
      const metrics = new OtelMetrics(ON);
      let lag = 3;
      metrics.registerGauge({
        name: 'integrations_poller_lag_seconds',
        description: 'How long the oldest overdue check has been due.',
        unit: 's',
        read: async () => [{ value: lag }],
      });
      metrics.registerGauge(
        gauge('integrations_outbox_pending', async () => [
          { value: 2, attributes: { kind: 'registered' } },
          { value: 0.5, attributes: { kind: 'deleted' } },
        ]),
      );
      const first = await metrics.scrape();
      expect(familyLines(first, 'integrations_poller_lag_seconds')).toEqual([
        '# HELP integrations_poller_lag_seconds How long the oldest overdue check has been due.',
        '# UNIT integrations_poller_lag_seconds s',
        '# TYPE integrations_poller_lag_seconds gauge',
        'integrations_poller_lag_seconds 3',
      ]);
      expect(familyLines(first, 'integrations_outbox_pending')).toEqual([
        '# HELP integrations_outbox_pending integrations_outbox_pending help',
        '# TYPE integrations_outbox_pending gauge',
        'integrations_outbox_pending{kind="registered"} 2',
        'integrations_outbox_pending{kind="deleted"} 0.5',
      ]);
      lag = 0;
      expect(samples(await metrics.scrape(), 'integrations_poller_lag_seconds')).toEqual([
        'integrations_poller_lag_seconds 0',
      ]);
    });

    it('shows only what a source reports now: a series it stopped reporting is gone', async () => {
      const metrics = new OtelMetrics(ON);
      let readings: GaugeReading[] = [
        { value: 4, attributes: { provider: 'gitlab' } },
        { value: 1, attributes: { provider: 'harbor' } },
      ];
      metrics.registerGauge(gauge('integrations_overdue', async () => readings));
      expect(samples(await metrics.scrape(), 'integrations_overdue')).toEqual([
        'integrations_overdue{provider="gitlab"} 4',
        'integrations_overdue{provider="harbor"} 1',
      ]);
      readings = [{ value: 2, attributes: { provider: 'harbor' } }];
      expect(samples(await metrics.scrape(), 'integrations_overdue')).toEqual([
        'integrations_overdue{provider="harbor"} 2',
      ]);
      readings = [];
      const text = await metrics.scrape();
      expect(samples(text, 'integrations_overdue')).toEqual([]);
      expect(text).toContain('# TYPE integrations_overdue gauge\n');
    });

    it('leaves a failing source out, logs it once per reason, and logs its recovery', async () => {
      const metrics = new OtelMetrics(ON);
      let failure: Error | undefined = new Error('the database is unavailable');
      metrics.registerGauge(
        gauge('integrations_poller_lag_seconds', async () => {
          if (failure !== undefined) throw failure;
          return [{ value: 7 }];
        }),
      );
      metrics.registerGauge(gauge('integrations_other', async () => [{ value: 1 }]));
      metrics.recordHealthCheck('gitlab', 'healthy');

      const failed = await metrics.scrape();
      expect(failed).not.toContain('integrations_poller_lag_seconds');
      expect(samples(failed, 'integrations_other')).toEqual(['integrations_other 1']);
      expect(samples(failed, 'integrations_health_check_total')).toHaveLength(1);
      await metrics.scrape();
      failure = new Error('connection refused');
      await metrics.scrape();
      failure = undefined;
      expect(samples(await metrics.scrape(), 'integrations_poller_lag_seconds')).toEqual([
        'integrations_poller_lag_seconds 7',
      ]);
      await metrics.scrape();
      expect(warn.mock.calls.map(([message]) => message)).toEqual([
        'gauge integrations_poller_lag_seconds is left out of the scrapes: the database is unavailable (logged again when the reason changes or it reads again)',
        'gauge integrations_poller_lag_seconds is left out of the scrapes: connection refused (logged again when the reason changes or it reads again)',
      ]);
      expect(log.mock.calls.map(([message]) => message)).toEqual([
        'gauge integrations_poller_lag_seconds reads again',
      ]);
    });

    it('leaves out a source that throws synchronously or answers what is not a finite number', async () => {
      const metrics = new OtelMetrics(ON);
      metrics.registerGauge(
        gauge('integrations_a', () => {
          throw new Error('not even a promise');
        }),
      );
      metrics.registerGauge(gauge('integrations_b', async () => [{ value: Number.NaN }]));
      metrics.registerGauge(
        gauge('integrations_c', async () => ({ value: 1 }) as unknown as GaugeReading[]),
      );
      const text = await metrics.scrape();
      expect(text).not.toMatch(/integrations_[abc]\b/);
      expect(warn.mock.calls.map(([message]) => message)).toEqual([
        'gauge integrations_a is left out of the scrapes: not even a promise (logged again when the reason changes or it reads again)',
        'gauge integrations_b is left out of the scrapes: a reading is NaN, not a finite number (logged again when the reason changes or it reads again)',
        'gauge integrations_c is left out of the scrapes: the source answered object, not a list of readings (logged again when the reason changes or it reads again)',
      ]);
    });

    it('does not wait past the time limit for a source, and shares a read still running instead of starting another', async () => {
      const metrics = new OtelMetrics({ ...ON, gaugeTimeoutMs: 20 });
      let finish: ((readings: GaugeReading[]) => void) | undefined;
      const read = jest.fn(() => new Promise<GaugeReading[]>((resolve) => (finish = resolve)));
      metrics.registerGauge(gauge('integrations_slow', read));
      metrics.registerGauge(gauge('integrations_fast', async () => [{ value: 1 }]));
      const [first, second] = await Promise.all([metrics.scrape(), metrics.scrape()]);
      for (const text of [first, second]) {
        expect(text).not.toContain('integrations_slow');
        expect(samples(text, 'integrations_fast')).toEqual(['integrations_fast 1']);
      }
      expect(await metrics.scrape()).not.toContain('integrations_slow');
      expect(read).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls.map(([message]) => message)).toEqual([
        'gauge integrations_slow is left out of the scrapes: no reading within 20 ms (logged again when the reason changes or it reads again)',
      ]);
      finish?.([{ value: 9 }]);
      await new Promise((resolve) => setImmediate(resolve));
      // The read settled: the next scrape starts a new one.
      const next = metrics.scrape();
      while (read.mock.calls.length < 2) await new Promise((resolve) => setImmediate(resolve));
      finish?.([{ value: 5 }]);
      expect(samples(await next, 'integrations_slow')).toEqual(['integrations_slow 5']);
      expect(read).toHaveBeenCalledTimes(2);
    });

    it('refuses a name that is not a Prometheus name or is already taken', () => {
      const metrics = new OtelMetrics(ON);
      const read = async () => [];
      metrics.registerGauge(gauge('integrations_poller_lag_seconds', read));
      expect(() => metrics.registerGauge(gauge('integrations_poller_lag_seconds', read))).toThrow(
        "a metric named 'integrations_poller_lag_seconds' is already registered",
      );
      expect(() => metrics.registerGauge(gauge('integrations_health_check_total', read))).toThrow(
        "a metric named 'integrations_health_check_total' is already registered",
      );
      expect(() => metrics.registerGauge(gauge('http_server_request_duration', read))).toThrow(
        "a metric named 'http_server_request_duration' is already registered",
      );
      expect(() => metrics.registerGauge(gauge('poller.lag', read))).toThrow(
        "gauge name 'poller.lag' is not a Prometheus metric name ([a-zA-Z_][a-zA-Z0-9_]*)",
      );
    });
  });

  it('cannot be scraped once shut down', async () => {
    const metrics = new OtelMetrics(ON);
    await metrics.onApplicationShutdown();
    await expect(metrics.scrape()).rejects.toThrow('MetricReader is shutdown');
  });
});
