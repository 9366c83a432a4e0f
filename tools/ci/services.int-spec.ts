import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Client } from 'pg';

/**
 * The external services the integration tests use. With REQUIRE_<SERVICE>=1 (as CI sets) a
 * missing or unreachable service fails here, so no later int-spec can pass by silently skipping.
 */
const services = {
  postgres: {
    url: process.env['TEST_DATABASE_URL'],
    required: process.env['REQUIRE_POSTGRES'] === '1',
  },
  nats: { url: process.env['TEST_NATS_URL'], required: process.env['REQUIRE_NATS'] === '1' },
  registry: {
    url: process.env['TEST_REGISTRY_URL'],
    required: process.env['REQUIRE_REGISTRY'] === '1',
  },
};

function serviceTest(name: keyof typeof services, body: (url: string) => Promise<void>): void {
  const { url, required } = services[name];
  if (url === undefined || url === '') {
    if (required) {
      it(`${name} is configured`, () => {
        throw new Error(`REQUIRE_${name.toUpperCase()}=1 but its TEST_*_URL is not set`);
      });
    } else {
      it.skip(`${name} (set its TEST_*_URL to run)`, () => undefined);
    }
    return;
  }
  it(`${name} answers at ${url}`, () => body(url), 30_000);
}

describe('test services', () => {
  serviceTest('postgres', async (url) => {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string }>('select version() as version');
      expect(rows[0]?.version).toMatch(/^PostgreSQL \d+/);
    } finally {
      await client.end();
    }
  });

  serviceTest('nats', async (url) => {
    const nc = await connect({ servers: url, timeout: 5_000 });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.getAccountInfo();
      expect(info.limits).toBeDefined();
    } finally {
      await nc.close();
    }
  });

  serviceTest('registry', async (url) => {
    const response = await fetch(new URL('/v2/', url), { signal: AbortSignal.timeout(5_000) });
    expect(response.status).toBe(200);
    // Any web server can answer 200: the API version header proves it is a registry.
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });
});
