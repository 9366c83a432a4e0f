import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BuiltService as Started } from './testing/built-service';
import {
  BUILT_SERVICE_MAIN as mainJs,
  exitOf,
  startBuiltService,
  killBuiltService,
} from './testing/built-service';
import { inMemoryDraft } from './testing/in-memory-draft';

function startService(dataDir: string): Promise<Started> {
  return startBuiltService({ env: { DATA_DIR: dataDir } });
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
    await killBuiltService(service);
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

function postmasterPid(dataDir: string): number {
  const first = fs
    .readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')
    .split('\n')[0];
  return Number(first);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

/** The other processes of the database's watchdog: everything in its group but the server. */
function watchdogPids(serverPid: number): number[] {
  const parent = Number(
    fs.readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1],
  );
  const siblings = fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        const fields =
          fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        return Number(fields[1]) === parent && pid !== serverPid;
      } catch {
        return false;
      }
    });
  return [parent, ...siblings];
}

async function register(service: Started, name: string): Promise<number> {
  const response = await fetch(`${service.url}/api/v1/integrations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${service.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(inMemoryDraft({ name })),
  });
  return response.status;
}

async function names(service: Started): Promise<string[]> {
  const response = await fetch(`${service.url}/api/v1/integrations?limit=500`, {
    headers: { authorization: `Bearer ${service.token}` },
  });
  const body = (await response.json()) as { items: { name: string }[] };
  return body.items.map((item) => item.name);
}

describe('the embedded PostgreSQL under kill -9', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrations-kill-'));
  const started: Started[] = [];
  const start = async () => {
    const service = await startService(dataDir);
    started.push(service);
    return service;
  };

  afterAll(async () => {
    for (const service of started.splice(0)) {
      if (service.child.exitCode === null && service.child.signalCode === null) {
        service.child.kill('SIGKILL');
        await exitOf(service.child);
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops the database with the service, even when the service is killed', async () => {
    const first = await start();
    const acknowledged: string[] = [];
    for (let i = 0; i < 20; i++) {
      if ((await register(first, `kill-${i}`)) === 201) acknowledged.push(`kill-${i}`);
    }
    expect(acknowledged).toHaveLength(20);
    const server = postmasterPid(dataDir);
    expect(isRunning(server)).toBe(true);
    first.child.kill('SIGKILL');
    await exitOf(first.child);
    // The watchdog sees its pipe close and shuts the server down.
    expect(await eventually(() => !isRunning(server), 15_000)).toBe(true);

    const second = await start();
    expect((await names(second)).sort()).toEqual(acknowledged.sort());
  }, 90_000);

  it('cleans up an orphaned server and a stale lock at the next start', async () => {
    const running = started.find((s) => s.child.exitCode === null && s.child.signalCode === null);
    const previous = running ?? (await start());
    expect(await register(previous, 'before-orphan')).toBe(201);
    const before = await names(previous);
    const server = postmasterPid(dataDir);
    // Leave the server running with no watchdog and no service: what a crash of the whole
    // process group but the server looks like.
    for (const pid of watchdogPids(server)) process.kill(pid, 'SIGKILL');
    previous.child.kill('SIGKILL');
    await exitOf(previous.child);
    expect(isRunning(server)).toBe(true);
    expect(fs.existsSync(path.join(dataDir, '.lock'))).toBe(true);

    const next = await start();
    expect(isRunning(server)).toBe(false);
    expect(next.output()).toMatch(
      /left running|stale PostgreSQL pid file|took over the data folder lock/,
    );
    expect(await names(next)).toEqual(before);
    expect(await register(next, 'after-cleanup')).toBe(201);

    next.child.kill('SIGTERM');
    expect(await exitOf(next.child)).toBe(0);
    const last = postmasterPid.bind(null, dataDir);
    expect(() => last()).toThrow();
  }, 90_000);
});
