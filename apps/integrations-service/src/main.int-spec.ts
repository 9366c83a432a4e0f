import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The built service as an operator runs it (`npm start` runs the same file): no configuration
 * but a data folder. `npm test` builds before jest runs; run `nx build integrations-service`
 * first when running this file alone.
 */
const mainJs = path.resolve(__dirname, '..', 'dist', 'bundle', 'main.js');

interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly token: string;
  readonly output: () => string;
}

function startService(dataDir: string): Promise<Started> {
  const child = spawn(process.execPath, [mainJs], {
    env: { PATH: process.env['PATH'] ?? '', DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 30 s:\n${output}`)), 30_000);
    const onData = (): void => {
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      const token = /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m.exec(output)?.[1];
      if (url !== undefined && token !== undefined) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve({ child, url, token, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready:\n${output}`));
    });
  });
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

describe('the built service (npm start)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrations-main-'));
  let service: Started | undefined;

  beforeAll(async () => {
    if (!fs.existsSync(mainJs)) {
      throw new Error(`${mainJs} is missing: build the service first (npm test does)`);
    }
    service = await startService(dataDir);
  }, 60_000);

  afterAll(async () => {
    if (service && service.child.exitCode === null) {
      service.child.kill('SIGKILL');
      await exitOf(service.child);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints its URL, the docs URL and a token that works', async () => {
    const { url, token, output } = service!;
    expect(output()).toContain(`API docs: ${url}/docs`);
    const providers = await fetch(`${url}/api/v1/providers`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(providers.status).toBe(200);
    const body = (await providers.json()) as { items: { provider: string }[] };
    expect(body.items.map((p) => p.provider)).toContain('in-memory');
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
  });

  it('serves the API and its OpenAPI document from the bundle as from the sources', async () => {
    const { url, token } = service!;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${url}/api/v1/integrations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: 'bundled',
        type: 'scm',
        provider: 'in-memory',
        endpoint: 'https://scm.example.test',
        settings: {},
        credentials: {},
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const tested = await fetch(`${url}/api/v1/integrations/${id}/test`, {
      method: 'POST',
      headers: { authorization: headers.authorization },
    });
    expect(await tested.json()).toMatchObject({ success: true, status: 'healthy' });
    const invalid = await fetch(`${url}/api/v1/integrations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: '' }),
    });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toContain('application/problem+json');
    const docs = await fetch(`${url}/docs-json`);
    expect(docs.status).toBe(200);
    const document = (await docs.json()) as { openapi: string; components: { schemas: object } };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['RegisterIntegrationDto', 'IntegrationDto', 'ProblemDetailsDto']),
    );
  });

  it('refuses a second process on the same data folder with a clear message', async () => {
    const second = spawn(process.execPath, [mainJs], {
      env: { PATH: process.env['PATH'] ?? '', DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' },
    });
    let output = '';
    second.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    second.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await exitOf(second);
    expect(code).not.toBe(0);
    expect(output).toMatch(/in use by process \d+/);
    expect(output).not.toContain('listening on');
  }, 30_000);

  it('shuts down gracefully on SIGTERM', async () => {
    const { child } = service!;
    const started = Date.now();
    child.kill('SIGTERM');
    expect(await exitOf(child)).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    // The lock is released: the folder can be used again.
    expect(fs.existsSync(path.join(dataDir, '.lock'))).toBe(false);
  }, 30_000);
});
