import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Integration } from '@stellaops/integrations-core';
import type { DatabaseOptions } from '@stellaops/integrations-persistence';
import { Database } from '@stellaops/integrations-persistence';
import { Client } from 'pg';
import type { TestApp } from '../testing/test-app';
import { startTestApp, TEST_JWT_SECRET } from '../testing/test-app';
import type { TestBackend } from '../testing/test-backend';
import { createTestBackend } from '../testing/test-backend';
import { until } from '../testing/until';

/** The command `npm run rotate-keys` runs. `npm test` builds it before jest runs. */
const ROTATE_KEYS_JS = path.resolve(__dirname, '..', '..', 'dist', 'rotate-keys.js');

const ROWS = 10_000;
const LEGACY_ROWS = 500;
const PLAIN_ROWS = 500;
const TENANT = 'acme';
const KEY_A = randomBytes(32);
const KEY_B = randomBytes(32);
const RING_A = `A:${KEY_A.toString('base64')}`;
const RING_AB = `${RING_A},B:${KEY_B.toString('base64')}`;
const RING_B = `B:${KEY_B.toString('base64')}`;

interface Run {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('rotate-keys (the built command) while the service runs', () => {
  let backend: TestBackend;
  const opened: { close(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(ROTATE_KEYS_JS)) {
      throw new Error(`${ROTATE_KEYS_JS} is missing: build the service first (npm test does)`);
    }
    backend = await createTestBackend();
  }, 60_000);

  afterAll(async () => {
    for (const item of opened.reverse()) await item.close();
    await backend?.dispose();
  }, 60_000);

  function rotateKeys(args: readonly string[], keys = RING_AB): Run {
    const child = spawn(process.execPath, [ROTATE_KEYS_JS, ...args], {
      env: {
        PATH: process.env['PATH'] ?? '',
        ...backend.env,
        AUTH_JWT_SECRET: TEST_JWT_SECRET,
        INTEGRATIONS_ENCRYPTION_KEYS: keys,
        INTEGRATIONS_ENCRYPTION_ACTIVE_KEY: 'B',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    return { child, stdout: () => stdout, stderr: () => stderr, exited };
  }

  async function open(options: Partial<DatabaseOptions>): Promise<Database> {
    const db = await Database.open({
      databaseUrl: backend.env['DATABASE_URL'],
      schema: backend.env['DATABASE_SCHEMA'],
      poolSize: 8,
      ...options,
    });
    opened.push(db);
    return db;
  }

  async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: backend.env['DATABASE_URL'] });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  // The schema is a plain identifier the test backend made (e2e_<hex>).
  const table = () => `"${backend.env['DATABASE_SCHEMA'] ?? ''}"."integrations"`;

  /** Rows whose stored credentials, or any secret setting, are not an envelope under key B. */
  async function notUnderB(): Promise<number> {
    const [row] = await sql<{ count: number }>(
      `SELECT count(*)::integer AS "count" FROM ${table()}
        WHERE "credentials"->>'kid' IS DISTINCT FROM 'B'
          OR EXISTS (SELECT 1 FROM unnest("secret_settings") AS s("name")
            WHERE "settings"->s."name"->>'kid' IS DISTINCT FROM 'B')`,
    );
    return row?.count ?? -1;
  }

  async function listAll(db: Database): Promise<Integration[]> {
    const items: Integration[] = [];
    let after: { name: string; id: string } | undefined;
    for (;;) {
      const page = await db.integrations.list({
        tenantId: TENANT,
        limit: 500,
        ...(after === undefined ? {} : { after }),
      });
      items.push(...page.items);
      if (page.next === null) return items;
      after = page.next;
    }
  }

  it('rotates 10,000 rows from key A to B under load, killed once and resumed: none lost, every PATCH kept, a tampered row named alone', async () => {
    // 9,000 rows under key A, 500 sealed by the single key of before (A, stamped with its
    // fingerprint), 500 plain (written before any key existed); every tenth of each carries a
    // secret setting, sealed (or not) as its credentials are.
    const named = await open({ keyring: { keys: [{ id: 'A', key: KEY_A }] } });
    const legacy = await open({ encryptionKey: KEY_A.toString('base64') });
    const plain = await open({});
    const original = new Map<string, string>();
    const originalSecrets = new Map<string, string>();
    const writers = [
      { db: named, count: ROWS - LEGACY_ROWS - PLAIN_ROWS },
      { db: legacy, count: LEGACY_ROWS },
      { db: plain, count: PLAIN_ROWS },
    ];
    let next = 0;
    for (const { db, count } of writers) {
      const end = next + count;
      const worker = async () => {
        while (next < end) {
          const n = next++;
          const token = `authref://env/E2E_ROW_${n}`;
          const secret = n % 10 === 0 ? `whsec-row-${n}` : undefined;
          const row = await db.integrations.insert({
            tenantId: TENANT,
            name: `reg-${String(n).padStart(5, '0')}`,
            type: 'scm',
            provider: 'in-memory',
            endpoint: 'https://scm.example.test',
            settings: secret === undefined ? {} : { webhookSecret: secret },
            secretSettings: ['webhookSecret'],
            credentials: { token },
            healthCheckIntervalSeconds: 300,
            tags: [],
            createdBy: 'seed',
          });
          original.set(row.id, token);
          if (secret !== undefined) originalSecrets.set(row.id, secret);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
    }
    expect(original.size).toBe(ROWS);
    expect(originalSecrets.size).toBe(ROWS / 10);
    await expect(notUnderB()).resolves.toBe(ROWS);
    const [sealedSettings] = await sql<{ count: number }>(
      `SELECT count(*)::integer AS "count" FROM ${table()} WHERE "settings"->'webhookSecret'->>'kid' IS NOT NULL`,
    );
    expect(sealedSettings?.count).toBe((ROWS - PLAIN_ROWS) / 10);

    // One row's ciphertext altered at rest.
    const [victim] = await sql<{ id: string; credentials: Record<string, string> }>(
      `SELECT "id", "credentials" FROM ${table()} WHERE "credentials"->>'kid' = 'A' ORDER BY "name" OFFSET 4321 LIMIT 1`,
    );
    const data = Buffer.from(victim!.credentials['data'] ?? '', 'base64');
    data[3] = (data[3] ?? 0) ^ 0x40;
    await sql(`UPDATE ${table()} SET "credentials" = $2::jsonb WHERE "id" = $1`, [
      victim!.id,
      JSON.stringify({ ...victim!.credentials, data: data.toString('base64') }),
    ]);

    // The service, rolled onto the ring A,B with B active, serving writes and reads throughout.
    const app: TestApp = await startTestApp({
      backend,
      env: {
        CREDENTIALS_ENCRYPTION_KEY: '',
        INTEGRATIONS_ENCRYPTION_KEYS: RING_AB,
        INTEGRATIONS_ENCRYPTION_ACTIVE_KEY: 'B',
      },
    });
    opened.push(app);
    const ids = [...original.keys()].filter((id) => id !== victim!.id);
    const patched = new Map<string, string>();
    const failures: string[] = [];
    let requests = 0;
    let stopLoad = false;
    const load = async (worker: number) => {
      for (let i = 0; !stopLoad; i++) {
        const id = ids[Math.floor(Math.random() * ids.length)] ?? '';
        const token = `authref://env/E2E_PATCH_${worker}_${i}`;
        const response = await app.request('PATCH', `/api/v1/integrations/${id}`, {
          body: { credentials: { token } },
        });
        requests++;
        if (response.status === 200) patched.set(id, token);
        else failures.push(`PATCH ${id}: ${response.status} ${response.text}`);
        const list = await app.request('GET', `/api/v1/integrations?limit=100&q=reg-0${worker}`);
        requests++;
        if (list.status !== 200) failures.push(`GET list: ${list.status} ${list.text}`);
      }
    };
    const loading = Promise.all([0, 1, 2, 3].map(load));

    try {
      // First run: throttled so that it is surely mid-way when it is killed (SIGKILL: no
      // chance to finish a batch or say anything).
      const first = rotateKeys(['--batch', '200', '--rate', '2500']);
      await until(
        () => /rotated ([1-9]\d{3,})\/\d+/.test(first.stdout()),
        30_000,
        `a progress line past 1,000 rows (stdout: ${first.stdout()} stderr: ${first.stderr()})`,
        10,
      );
      first.child.kill('SIGKILL');
      await expect(first.exited).resolves.toEqual({ code: null, signal: 'SIGKILL' });
      const leftAfterKill = await notUnderB();
      expect(leftAfterKill).toBeGreaterThan(1000);
      expect(leftAfterKill).toBeLessThan(ROWS - 1000);
      expect(first.stdout()).toMatch(
        /^rotate-keys: rotating credentials and secret settings to key B \(keys: A, B\)/,
      );

      // Resumed: as fast as it goes, the load still running.
      const second = rotateKeys(['--batch', '500']);
      const { code } = await second.exited;
      const summary =
        /rotated (\d+) row\(s\) to key B in ([\d.]+) s \((\d+) rows\/s\); (\d+) changed concurrently/.exec(
          second.stderr(),
        );
      expect({ code, summary: summary?.[0] }).toEqual({ code: 1, summary: expect.any(String) });
      process.stdout.write(
        `rotate-keys resumed: ${summary?.[1]} rows in ${summary?.[2]} s (${summary?.[3]} rows/s), ${summary?.[4]} changed concurrently, with ${leftAfterKill} left after the kill and ${requests} requests so far\n`,
      );
      // The tampered row is named by id alone, and nothing of its content is printed.
      expect(second.stderr()).toContain(
        `skipped integration ${victim!.id} (tenant ${TENANT}): the credentials of integration ${victim!.id} failed authentication under key A: they were altered or belong to another row`,
      );
      expect(second.stderr()).toContain(
        `1 row(s) could not be opened and were left as they are: ${victim!.id}`,
      );
      expect(second.stdout() + second.stderr()).not.toContain(victim!.credentials['data']);
      expect(second.stdout()).toMatch(/^rotated \d+\/\d+ \(100%\) to key B/m);
      expect(second.stdout()).not.toContain('\r');
    } finally {
      stopLoad = true;
      await loading;
    }
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(20);
    expect(patched.size).toBeGreaterThan(0);
    await expect(notUnderB()).resolves.toBe(1);

    // A is not to be removed while the tampered row still needs it.
    const refused = rotateKeys(['--retire', 'A']);
    await expect(refused.exited).resolves.toMatchObject({ code: 1 });
    expect(refused.stderr()).toContain(
      `key A is still needed by 1 row(s): ${victim!.id}; do not remove it from INTEGRATIONS_ENCRYPTION_KEYS until rotate-keys --retire A succeeds`,
    );

    // Every row, read with B alone: none lost, the PATCHes' values kept, the others as
    // written, and only the tampered row unreadable.
    const onlyB = await open({ keyring: { keys: [{ id: 'B', key: KEY_B }] } });
    const rows = await listAll(onlyB);
    expect(rows).toHaveLength(ROWS);
    const unreadable = rows.filter((row) => row.credentialsUnreadable !== undefined);
    expect(unreadable.map((row) => [row.id, row.credentialsUnreadable])).toEqual([
      // Still under A (rotation could not open it), which this ring no longer has.
      [
        victim!.id,
        expect.stringMatching(
          /encrypted with another key \("A"\), which is not in the keyring \(B\)/,
        ),
      ],
    ]);
    const wrong = rows
      .filter((row) => row.id !== victim!.id)
      .filter((row) => row.credentials['token'] !== (patched.get(row.id) ?? original.get(row.id)));
    expect(wrong).toEqual([]);
    // Every secret setting as written, opened under B; none unreadable.
    expect(rows.filter((row) => row.settingsUnreadable !== undefined)).toEqual([]);
    const secrets = rows.filter((row) => row.secretSettings.length > 0);
    expect(secrets).toHaveLength(ROWS / 10);
    expect(
      secrets.filter((row) => row.settings['webhookSecret'] !== originalSecrets.get(row.id)),
    ).toEqual([]);

    // The service on B alone still lists every page, the tampered row marked on its own.
    await app.close();
    opened.splice(opened.indexOf(app), 1);
    const onB = await startTestApp({
      backend,
      env: { CREDENTIALS_ENCRYPTION_KEY: '', INTEGRATIONS_ENCRYPTION_KEYS: RING_B },
    });
    opened.push(onB);
    const one = await onB.request('GET', `/api/v1/integrations/${victim!.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ credentialsReadable: false, credentials: {} });
    expect(one.text).not.toContain('$encrypted');
    let listed = 0;
    let readable = 0;
    let cursor: string | undefined;
    do {
      const page = await onB.request(
        'GET',
        `/api/v1/integrations?limit=500${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      expect(page.status).toBe(200);
      expect(page.text).not.toMatch(/\$encrypted|"kid"|"iv"/);
      listed += page.body.items.length;
      readable += page.body.items.filter(
        (item: { credentialsReadable: boolean }) => item.credentialsReadable,
      ).length;
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect({ listed, readable }).toEqual({ listed: ROWS, readable: ROWS - 1 });

    // Re-registered, the row is sealed under B, and A can go.
    const repaired = await onB.request('PATCH', `/api/v1/integrations/${victim!.id}`, {
      body: { credentials: { token: 'authref://env/E2E_REPAIRED' } },
    });
    expect(repaired.status).toBe(200);
    const retired = rotateKeys(['--retire', 'A']);
    await expect(retired.exited).resolves.toMatchObject({ code: 0 });
    expect(retired.stdout()).toContain(
      'no row needs key A any more: it can be removed from INTEGRATIONS_ENCRYPTION_KEYS',
    );
    await expect(notUnderB()).resolves.toBe(0);
  }, 240_000);

  it('stops after the batch in flight on SIGINT and exits 130, everything it wrote kept', async () => {
    const plain = await open({});
    for (let i = 0; i < 100; i++) {
      await plain.integrations.insert({
        tenantId: TENANT,
        name: `late-${i}`,
        type: 'scm',
        provider: 'in-memory',
        endpoint: 'https://scm.example.test',
        settings: {},
        credentials: { token: `authref://env/E2E_LATE_${i}` },
        healthCheckIntervalSeconds: 300,
        tags: [],
        createdBy: 'seed',
      });
    }
    await expect(notUnderB()).resolves.toBe(100);
    // 10 rows a batch at 20 rows a second: after its first batch it waits half a second.
    const run = rotateKeys(['--batch', '10', '--rate', '20']);
    await until(() => /rotated [1-9]\d*\/100 /.test(run.stdout()), 30_000, 'a batch done', 10);
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(130);
    expect(run.stderr()).toContain('SIGINT: stopping after the batch in flight');
    expect(run.stderr()).toContain('interrupted: run rotate-keys again to resume');
    const rotated = Number(/rotated (\d+) row\(s\)/.exec(run.stderr())?.[1]);
    expect(rotated % 10).toBe(0);
    await expect(notUnderB()).resolves.toBe(100 - rotated);
  }, 60_000);

  it('names a row whose secret setting does not open, keeps the retired key needed until it is sent again', async () => {
    const underA = await open({ keyring: { keys: [{ id: 'A', key: KEY_A }] } });
    const row = await underA.integrations.insert({
      tenantId: TENANT,
      name: 'retire-setting',
      type: 'scm',
      provider: 'in-memory',
      endpoint: 'https://scm.example.test',
      settings: { webhookSecret: 'whsec-under-a' },
      secretSettings: ['webhookSecret'],
      credentials: { token: 'authref://env/E2E_RETIRE' },
      healthCheckIntervalSeconds: 300,
      tags: [],
      createdBy: 'seed',
    });
    const [stored] = await sql<{ settings: { webhookSecret: Record<string, string> } }>(
      `SELECT "settings" FROM ${table()} WHERE "id" = $1`,
      [row.id],
    );
    const envelope = stored!.settings.webhookSecret;
    const data = Buffer.from(envelope['data'] ?? '', 'base64');
    data[0] = (data[0] ?? 0) ^ 1;
    await sql(`UPDATE ${table()} SET "settings" = $2::jsonb WHERE "id" = $1`, [
      row.id,
      JSON.stringify({ webhookSecret: { ...envelope, data: data.toString('base64') } }),
    ]);

    const refused = rotateKeys(['--retire', 'A']);
    await expect(refused.exited).resolves.toMatchObject({ code: 1 });
    expect(refused.stderr()).toContain(
      `skipped integration ${row.id} (tenant ${TENANT}): the sealed value "settings.webhookSecret" of integration ${row.id} failed authentication under key A: it was altered or belongs to another row or field`,
    );
    expect(refused.stderr()).toContain(`key A is still needed by 1 row(s): ${row.id};`);
    expect(refused.stdout() + refused.stderr()).not.toContain(envelope['data']);

    // Sent again by a writer on the new ring: the setting is sealed under B, and the row's
    // credentials, still under A, are what the next run rotates; then A can go.
    const ring = await open({
      keyring: {
        keys: [
          { id: 'A', key: KEY_A },
          { id: 'B', key: KEY_B },
        ],
        activeKeyId: 'B',
      },
    });
    await ring.integrations.update(TENANT, row.id, {
      settings: { webhookSecret: 'whsec-again' },
      secretSettings: ['webhookSecret'],
      updatedBy: 'operator',
    });
    await expect(notUnderB()).resolves.toBe(1);
    const retired = rotateKeys(['--retire', 'A']);
    await expect(retired.exited).resolves.toMatchObject({ code: 0 });
    expect(retired.stdout()).toContain('no row needs key A any more');
    await expect(notUnderB()).resolves.toBe(0);
    const onlyB = await open({ keyring: { keys: [{ id: 'B', key: KEY_B }] } });
    await expect(onlyB.integrations.findById(TENANT, row.id)).resolves.toMatchObject({
      settings: { webhookSecret: 'whsec-again' },
      credentials: { token: 'authref://env/E2E_RETIRE' },
    });
  }, 60_000);

  it('refuses to retire the active key, and says so before touching anything', async () => {
    const run = rotateKeys(['--retire', 'B']);
    await expect(run.exited).resolves.toMatchObject({ code: 2 });
    expect(run.stderr()).toMatch(/--retire B: that is the active key/);
  });
});
