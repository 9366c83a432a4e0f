import net from 'node:net';
import type { TestApp } from '../testing/test-app';
import { startTestApp } from '../testing/test-app';
import { createTestBackend } from '../testing/test-backend';

/**
 * A TCP relay between the service and PostgreSQL that the test can cut and restore, so that the
 * database really becomes unreachable (and reachable again) for the running service.
 */
class CuttableRelay {
  private readonly sockets = new Set<net.Socket>();
  private open = true;
  private readonly server = net.createServer((client) => this.accept(client));

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<CuttableRelay> {
    const relay = new CuttableRelay(targetHost, targetPort);
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  cut(): void {
    this.open = false;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.open = true;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (!this.open) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.targetPort, this.targetHost);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}

async function waitFor(status: number, t: TestApp, timeoutMs: number): Promise<number[]> {
  const seen: number[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await t.request('GET', '/health/ready', { token: null });
    seen.push(result.status);
    if (result.status === status) return seen;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`readiness never became ${status}; saw ${seen.join(',')}`);
}

const databaseUrl = process.env['TEST_DATABASE_URL'];
const required = process.env['REQUIRE_POSTGRES'] === '1';
const describeOnPostgres = databaseUrl || required ? describe : describe.skip;

describeOnPostgres('readiness follows the database (PostgreSQL)', () => {
  let relay: CuttableRelay;
  let t: TestApp;

  beforeAll(async () => {
    const backend = await createTestBackend();
    const target = new URL(backend.env['DATABASE_URL'] ?? '');
    relay = await CuttableRelay.start(target.hostname, Number(target.port || 5432));
    target.host = `127.0.0.1:${relay.port}`;
    t = await startTestApp({ backend, env: { DATABASE_URL: target.toString() } });
  }, 60_000);

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await relay?.close();
    await t?.backend.dispose();
  });

  it('is ready, becomes 503 (problem+json) while the database is unreachable, and recovers by itself', async () => {
    expect((await t.request('GET', '/health/ready', { token: null })).status).toBe(200);
    relay.cut();
    await waitFor(503, t, 15_000);
    const down = await t.request('GET', '/health/ready', { token: null });
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toContain('application/problem+json');
    expect(down.body.detail).toContain('database');
    // Liveness is not readiness: the process still serves.
    expect((await t.request('GET', '/health/live', { token: null })).status).toBe(200);
    // A request that needs the database fails cleanly rather than hanging.
    const list = await t.request('GET', '/api/v1/integrations');
    expect(list.status).toBe(503);
    expect(list.headers.get('content-type')).toContain('application/problem+json');
    relay.restore();
    await waitFor(200, t, 20_000);
    expect((await t.request('GET', '/api/v1/integrations')).status).toBe(200);
  }, 60_000);
});
