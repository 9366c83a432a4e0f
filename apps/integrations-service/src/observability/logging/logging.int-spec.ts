import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REDACTED } from '../../plugins/redact-secrets';
import type { BuiltService } from '../../testing/built-service';
import {
  BUILT_SERVICE_MAIN,
  startBuiltService,
  killBuiltService,
} from '../../testing/built-service';
import { inMemoryDraft } from '../../testing/in-memory-draft';
import { installFixturePlugins } from '../../testing/fixture-plugins';

/**
 * The built service as a log shipper sees it: LOG_FORMAT=json, LOG_LEVEL=debug, a plugin in
 * PLUGINS_DIR that logs its resolved token in every form it can (fixtures/leaky-plugin). Run
 * `nx build integrations-service` first when running this file alone.
 */
const SECRET = 'leaky-token-6f1c2a9e-value';
const ENV_NAME = 'E2E_LEAKY_TOKEN';

type Line = Record<string, unknown>;

/** What main prints for whoever started the service, in this order, after the ready line. */
function banner(url: string, token: string): string[] {
  return [
    `StellaOps Integrations listening on ${url}`,
    `API docs: ${url}/docs`,
    'Local token (tenant "default", all scopes):',
    token,
    `Try: curl -H "Authorization: Bearer <token>" ${url}/api/v1/providers`,
  ];
}

describe('logs of the built service (LOG_FORMAT=json)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'integrations-logging-'));
  const pluginsDir = path.join(root, 'plugins');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrations-logging-data-'));
  let service: BuiltService | undefined;

  function lines(): { json: Line[]; text: string[] } {
    const json: Line[] = [];
    const text: string[] = [];
    for (const line of service!.output().split('\n')) {
      if (line === '') continue;
      try {
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
          json.push(parsed as Line);
          continue;
        }
      } catch {
        // Not JSON: collected below.
      }
      text.push(line);
    }
    return { json, text };
  }

  /** The lines of a request, once its last (the `answered` line, written after the response) is in. */
  async function linesOf(requestId: string): Promise<Line[]> {
    const deadline = Date.now() + 5_000;
    const mine = (): Line[] => lines().json.filter((line) => line['requestId'] === requestId);
    while (!mine().some((line) => line['msg'] === 'answered') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return mine();
  }

  async function testDraft(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${service!.url}/api/v1/integrations/test`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${service!.token}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: JSON.stringify(body),
    });
  }

  beforeAll(async () => {
    if (!fs.existsSync(BUILT_SERVICE_MAIN)) {
      throw new Error(`${BUILT_SERVICE_MAIN} is missing: build the service first (npm test does)`);
    }
    installFixturePlugins(pluginsDir, [
      {
        from: path.join(__dirname, 'fixtures', 'leaky-plugin'),
        name: '@acme/leaky-plugin',
        range: '^1.0.0',
      },
    ]);
    service = await startBuiltService({
      env: {
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'debug',
        DATA_DIR: dataDir,
        PLUGINS_DIR: pluginsDir,
        SECRETS_ENV_ALLOW: ENV_NAME,
        [ENV_NAME]: SECRET,
      },
    });
  }, 60_000);

  afterAll(async () => {
    await killBuiltService(service);
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes its request id into every line of the request, over what a plugin claims', async () => {
    const response = await testDraft(
      {
        name: 'leaky',
        type: 'ci',
        provider: 'acme-leaky',
        endpoint: 'https://ci.example.test',
        // Verification off: the service itself warns, while it serves the request.
        settings: { outbound: { insecureSkipVerify: true } },
        credentials: { token: `authref://env/${ENV_NAME}` },
      },
      { 'x-request-id': 'abc-123' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('abc-123');
    expect(await response.json()).toMatchObject({ success: true, status: 'healthy' });

    const ours = await linesOf('abc-123');
    expect(ours.map((line) => line['context'])).toEqual(
      expect.arrayContaining(['Plugins', 'plugin:acme-leaky', 'Http']),
    );
    expect(ours.find((line) => line['context'] === 'Plugins')).toMatchObject({
      level: 'warn',
      msg: expect.stringContaining('TLS certificate verification is off'),
    });
    expect(ours.find((line) => line['context'] === 'plugin:acme-leaky')).toEqual(
      expect.objectContaining({
        level: 'warn',
        context: 'plugin:acme-leaky',
        requestId: 'abc-123',
        // A draft has no id yet: the host's null, not the plugin's claim.
        integrationId: null,
        provider: 'acme-leaky',
        echoed: { header: `Bearer ${REDACTED}`, body: expect.stringContaining(REDACTED) },
        basic: expect.stringContaining(REDACTED),
        authorization: REDACTED,
        failure: { name: 'Error', message: `refused ${REDACTED}` },
        msg: `provider echoed ${REDACTED}`,
      }),
    );
    expect(ours.find((line) => line['context'] === 'Http')).toMatchObject({
      level: 'debug',
      msg: 'answered',
      method: 'POST',
      path: '/api/v1/integrations/test',
      statusCode: 200,
    });
    expect(lines().json.some((line) => line['requestId'] === 'spoofed')).toBe(false);
  });

  it("gives a request without an id a uuid, in its header and a built-in plugin's lines", async () => {
    const response = await testDraft(
      inMemoryDraft({ credentials: { token: `authref://env/${ENV_NAME}` } }),
    );
    expect(response.status).toBe(200);
    const id = response.headers.get('x-request-id') ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const ours = await linesOf(id);
    expect(ours).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'debug',
          context: 'plugin:in-memory',
          msg: 'in-memory: simulated call',
          operation: 'testConnection',
          provider: 'in-memory',
        }),
      ]),
    );
  });

  // After the requests above: their lines are in the output.
  it('writes nothing on stdout but JSON lines and the banner, and never the secret', () => {
    const { url, token } = service!;
    const { json, text } = lines();
    // stdout and stderr together: stderr carries only a failed start's reason.
    expect(text).toEqual(banner(url, token));
    const output = service!.output();
    // The banner comes once, after the ready line.
    const ready = json.findIndex(
      (line) => line['context'] === 'Bootstrap' && line['msg'] === 'ready',
    );
    expect(ready).toBeGreaterThanOrEqual(0);
    expect(output.indexOf(text[0] ?? '')).toBeGreaterThan(output.indexOf('"msg":"ready"'));
    for (const line of json) {
      expect(line).toEqual(
        expect.objectContaining({
          time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
          level: expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/),
          msg: expect.any(String),
        }),
      );
    }
    const basic = Buffer.from(`robot:${SECRET}`).toString('base64');
    expect(output).not.toContain(SECRET);
    expect(output).not.toContain(basic.slice(12));
    expect(output).not.toContain(JSON.stringify(JSON.stringify(SECRET)).slice(1, -1));
    expect(output).not.toContain('named-not-resolved');
  });
});
