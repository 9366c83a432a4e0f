import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import path from 'node:path';
import type { BuiltService } from '../../testing/built-service';
import { BUILT_SERVICE_MAIN, exitOf, startBuiltService } from '../../testing/built-service';
import type { TestBackend } from '../../testing/test-backend';
import { createTestBackend } from '../../testing/test-backend';

/** One export request an OTLP/HTTP client sent. */
interface OtlpRequest {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** A stand-in collector on a loopback port: answers every POST with success and keeps it. */
interface OtlpReceiver {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: OtlpRequest[];
  /** Resolves once `condition` holds of the requests received; rejects after `timeoutMs`. */
  waitUntil(
    condition: (requests: readonly OtlpRequest[]) => boolean,
    timeoutMs: number,
  ): Promise<void>;
  close(): Promise<void>;
}

/** The spans of an OTLP/JSON export body, with their resource's attributes. */
interface ReceivedSpan {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly parentSpanId: string | undefined;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly resource: Readonly<Record<string, unknown>>;
}

interface JsonAttribute {
  readonly key: string;
  readonly value: Record<string, unknown>;
}

function attributesOf(list: readonly JsonAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries(
    (list ?? []).map(({ key, value }) => {
      const raw = Object.values(value)[0];
      // OTLP/JSON writes 64-bit integers as strings.
      return [key, 'intValue' in value ? Number(raw) : raw];
    }),
  );
}

function spansOf(request: OtlpRequest): ReceivedSpan[] {
  const body = JSON.parse(request.body.toString('utf8')) as {
    resourceSpans?: {
      resource?: { attributes?: JsonAttribute[] };
      scopeSpans?: {
        spans?: {
          name: string;
          kind: number;
          traceId: string;
          parentSpanId?: string;
          attributes?: JsonAttribute[];
        }[];
      }[];
    }[];
  };
  return (body.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        name: span.name,
        kind: span.kind,
        traceId: span.traceId,
        parentSpanId: span.parentSpanId === '' ? undefined : span.parentSpanId,
        attributes: attributesOf(span.attributes),
        resource,
      })),
    );
  });
}

async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: OtlpRequest[] = [];
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const contentType = req.headers['content-type'] ?? '';
      requests.push({ path: req.url ?? '', contentType, body: Buffer.concat(chunks) });
      for (const wake of waiters) wake();
      // An empty ExportTraceServiceResponse: success, nothing rejected.
      if (contentType.includes('json')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitUntil(condition, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!condition(requests)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `the OTLP requests did not come within ${timeoutMs} ms; got: ${requests.map((r) => `${r.path} (${r.contentType})`).join(', ') || 'none'}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const PRELOAD = path.join(__dirname, 'fixtures', 'report-sdk-load.cjs');
const SDK_LOADED = '[report-sdk-load] @opentelemetry/sdk-node required';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('traces over OTLP (the built service)', () => {
  let backend: TestBackend;
  let receiver: OtlpReceiver;
  let service: BuiltService | undefined;

  const start = async (env: Record<string, string>): Promise<BuiltService> => {
    service = await startBuiltService({
      env: {
        ...backend.env,
        HEALTH_POLLER_ENABLED: 'false',
        NODE_OPTIONS: `--require ${PRELOAD}`,
        ...env,
      },
    });
    return service;
  };

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${service!.url}${path}`, {
      headers: { authorization: `Bearer ${service!.token}`, ...headers },
    });

  beforeAll(async () => {
    if (!fs.existsSync(BUILT_SERVICE_MAIN)) {
      throw new Error(`${BUILT_SERVICE_MAIN} is missing: build the service first (npm test does)`);
    }
    backend = await createTestBackend();
  }, 60_000);

  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });

  afterEach(async () => {
    if (
      service !== undefined &&
      service.child.exitCode === null &&
      service.child.signalCode === null
    ) {
      service.child.kill('SIGKILL');
      await exitOf(service.child);
    }
    service = undefined;
    await receiver.close();
  });

  afterAll(async () => {
    await backend?.dispose();
  });

  it("exports a server span per request, named after its route, in the caller's trace (OTLP/JSON)", async () => {
    const started = await start({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      // Were the SDK's default OTLP metrics exporter on, it would post within this interval.
      OTEL_METRIC_EXPORT_INTERVAL: '100',
      OTEL_METRIC_EXPORT_TIMEOUT: '50',
    });
    expect(started.output()).toContain(SDK_LOADED);
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    expect(
      (await get('/api/v1/providers', { traceparent: `00-${traceId}-${parentId}-01` })).status,
    ).toBe(200);
    const missing = randomUUID();
    expect((await get(`/api/v1/integrations/${missing}`)).status).toBe(404);

    const spans = (): ReceivedSpan[] =>
      receiver.requests.filter((r) => r.path === '/v1/traces').flatMap(spansOf);
    const names = () => spans().map((s) => s.name);
    await receiver.waitUntil(
      () =>
        names().includes('GET /api/v1/providers') &&
        names().includes('GET /api/v1/integrations/:id'),
      15_000,
    );
    const providers = spans().find((s) => s.name === 'GET /api/v1/providers');
    expect(providers).toMatchObject({
      kind: 2, // SERVER
      traceId,
      parentSpanId: parentId,
      attributes: expect.objectContaining({
        'http.request.method': 'GET',
        'http.route': '/api/v1/providers',
        'http.response.status_code': 200,
      }),
      resource: expect.objectContaining({ 'service.name': 'stellaops-integrations' }),
    });
    const notFound = spans().find((s) => s.name === 'GET /api/v1/integrations/:id');
    expect(notFound?.attributes).toMatchObject({
      'http.route': '/api/v1/integrations/:id',
      'http.response.status_code': 404,
    });
    expect(notFound?.traceId).not.toBe(traceId);
    expect(names().join(' ')).not.toContain(missing);

    // Traces only: no OTLP metrics or logs from the SDK's defaults, however long one waits for them.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.requests.every((r) => r.path === '/v1/traces')).toBe(true);
    expect(receiver.requests.every((r) => r.contentType.startsWith('application/json'))).toBe(true);
  }, 60_000);

  it('exports the spans still batched when it stops (SIGTERM), over the default http/protobuf, with OTEL_SERVICE_NAME', async () => {
    const prometheusPort = await freePort();
    await start({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/collector/traces`,
      OTEL_SERVICE_NAME: 'integrations-under-test',
      // Nothing leaves before the shutdown.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      // Would start the SDK's own Prometheus server, were its metrics not turned off.
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(prometheusPort),
    });
    expect((await get('/api/v1/providers')).status).toBe(200);
    expect(await refusesConnections(prometheusPort)).toBe(true);
    // The service's own /metrics is still there.
    expect((await fetch(`${service!.url}/metrics`)).status).toBe(200);
    expect(receiver.requests).toEqual([]);

    service!.child.kill('SIGTERM');
    expect(await exitOf(service!.child)).toBe(0);
    expect(receiver.requests).toHaveLength(1);
    const [exported] = receiver.requests as [OtlpRequest];
    expect(exported.path).toBe('/collector/traces');
    expect(exported.contentType).toBe('application/x-protobuf');
    // Protobuf keeps strings as they are: the span's name and the resource's service name.
    expect(exported.body.includes('GET /api/v1/providers')).toBe(true);
    expect(exported.body.includes('integrations-under-test')).toBe(true);
    expect(exported.body.includes('stellaops-integrations')).toBe(false);
  }, 60_000);

  it('loads nothing of the SDK without an OTLP endpoint, or with OTEL_SDK_DISABLED=true', async () => {
    const without = await start({});
    expect((await get('/api/v1/providers')).status).toBe(200);
    expect(without.output()).not.toContain(SDK_LOADED);
    without.child.kill('SIGTERM');
    expect(await exitOf(without.child)).toBe(0);

    const disabled = await start({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SDK_DISABLED: 'true',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    expect((await get('/api/v1/providers')).status).toBe(200);
    disabled.child.kill('SIGTERM');
    expect(await exitOf(disabled.child)).toBe(0);
    expect(disabled.output()).not.toContain(SDK_LOADED);
    expect(receiver.requests).toEqual([]);
  }, 60_000);

  it('refuses to start with an endpoint that is not a URL', async () => {
    await expect(start({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).rejects.toThrow(
      "configuration error: OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL (got 'collector:4318')",
    );
  }, 60_000);
});
