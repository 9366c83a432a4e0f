import { randomBytes, randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import { CredentialsCodec } from '../credentials-codec';
import { keyFingerprint } from '../credentials-keyring';
import type { KeyringOptions } from '../credentials-keyring';
import { backendOf, Database } from '../database';
import type { SqlExecutor } from '../sql/sql-executor';
import { PooledSqlExecutor } from '../sql/sql-executor';
import { tableNames } from '../sql/sql-identifiers';
import { describeOnDatabases } from '../testing/describe-on-databases';
import type { TestDatabase } from '../testing/test-databases';
import type { NewIntegrationRecord } from './integration-repository';
import { SqlCredentialsRotationRepository } from './sql-credentials-rotation-repository';

const TENANT = 'tenant-a';
const KEY_A = randomBytes(32);
const KEY_B = randomBytes(32);
const A = { id: 'A', key: KEY_A };
const B = { id: 'B', key: KEY_B };

const WEBHOOK_SECRET = `whsec-${randomBytes(8).toString('hex')}`;

/** A registration with the secret setting `webhookSecret` (named `${WEBHOOK_SECRET}-<name>`). */
function secretRecord(name: string): NewIntegrationRecord {
  return {
    ...record(name),
    settings: { project: name, webhookSecret: `${WEBHOOK_SECRET}-${name}` },
    secretSettings: ['webhookSecret'],
  };
}

function record(name: string, token = `authref://env/${name.toUpperCase()}`): NewIntegrationRecord {
  return {
    tenantId: TENANT,
    name,
    type: 'scm',
    provider: 'in-memory',
    endpoint: 'https://scm.example.test',
    settings: {},
    credentials: { token },
    healthCheckIntervalSeconds: 300,
    tags: [],
    createdBy: 'alice',
  };
}

describeOnDatabases('SqlCredentialsRotationRepository', (target) => {
  let test: TestDatabase;
  const opened: Database[] = [];

  beforeEach(async () => {
    test = await target.create();
  }, 60_000);

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
    await test.dispose();
  }, 60_000);

  /** Another view of the test's schema, through a keyring of its own. */
  async function withKeyring(keyring: KeyringOptions | undefined): Promise<Database> {
    const db = await Database.open({
      databaseUrl: test.url,
      schema: test.schema,
      poolSize: 4,
      ...(keyring === undefined ? {} : { keyring }),
    });
    opened.push(db);
    return db;
  }

  async function stored(id: string): Promise<unknown> {
    const [row] = (await backendOf(test.db).dataSource.query(
      `SELECT "credentials" FROM ${tableNames(test.schema).integrations} WHERE "id" = $1`,
      [id],
    )) as { credentials: unknown }[];
    return row?.credentials;
  }

  async function overwrite(id: string, credentials: unknown): Promise<void> {
    await backendOf(test.db).dataSource.query(
      `UPDATE ${tableNames(test.schema).integrations} SET "credentials" = $2::jsonb WHERE "id" = $1`,
      [id, JSON.stringify(credentials)],
    );
  }

  async function storedRow(
    id: string,
  ): Promise<{ credentials: unknown; settings: Record<string, unknown>; text: string }> {
    const [row] = (await backendOf(test.db).dataSource.query(
      `SELECT "credentials", "settings", "credentials"::text || "settings"::text AS "text"
        FROM ${tableNames(test.schema).integrations} WHERE "id" = $1`,
      [id],
    )) as { credentials: unknown; settings: Record<string, unknown>; text: string }[];
    if (row === undefined) throw new Error(`no row ${id}`);
    return row;
  }

  async function overwriteSettings(id: string, settings: unknown): Promise<void> {
    await backendOf(test.db).dataSource.query(
      `UPDATE ${tableNames(test.schema).integrations} SET "settings" = $2::jsonb WHERE "id" = $1`,
      [id, JSON.stringify(settings)],
    );
  }

  async function rotateAll(db: Database, limit: number) {
    const batches = [];
    let after: string | null = null;
    for (;;) {
      const batch = await db.credentialsRotation.rotateBatch(after, limit);
      if (batch.read === 0) return batches;
      batches.push(batch);
      after = batch.last;
    }
  }

  it('moves plain, legacy and old-key rows (deleted ones too) onto the active key, leaving the rest of the row alone', async () => {
    // Plain rows: written before any key was configured (the test database has none).
    const plain = await test.db.integrations.insert(record('plain'));
    const underA = await withKeyring({ keys: [A] });
    const named = await underA.integrations.insert(record('named-a'));
    const deleted = await underA.integrations.insert(record('deleted-a'));
    await underA.integrations.softDelete(TENANT, deleted.id, 'alice');
    // Sealed by the single CREDENTIALS_ENCRYPTION_KEY of before: stamped with A's fingerprint.
    const legacy = await test.db.integrations.insert(record('legacy'));
    const legacyCodec = CredentialsCodec.create(KEY_A.toString('base64'));
    await overwrite(legacy.id, legacyCodec.encode(legacy.credentials, TENANT, legacy.id));
    expect(await stored(legacy.id)).toMatchObject({ kid: keyFingerprint(KEY_A) });

    const ring = await withKeyring({ keys: [A, B], activeKeyId: 'B' });
    const alreadyB = await ring.integrations.insert(record('already-b'));
    const before = await ring.integrations.findById(TENANT, named.id);
    expect(ring.credentialsRotation).toMatchObject({ activeKeyId: 'B', keyIds: ['A', 'B'] });
    await expect(ring.credentialsRotation.countPending()).resolves.toBe(4);
    await expect(ring.credentialsRotation.rowsUnderKey('A', 10)).resolves.toEqual({
      count: 3,
      ids: [named.id, deleted.id, legacy.id].sort(),
    });

    const batches = await rotateAll(ring, 3);
    expect(batches.map((batch) => [batch.read, batch.rotated])).toEqual([
      [3, 3],
      [1, 1],
    ]);
    expect(batches.flatMap((batch) => [...batch.conflicts, ...batch.failures])).toEqual([]);
    await expect(ring.credentialsRotation.countPending()).resolves.toBe(0);
    await expect(ring.credentialsRotation.rowsUnderKey('A', 10)).resolves.toEqual({
      count: 0,
      ids: [],
    });
    for (const row of [plain, named, deleted, legacy, alreadyB]) {
      expect(await stored(row.id)).toMatchObject({ $encrypted: 'aes-256-gcm/v1', kid: 'B' });
    }

    // B alone opens every row, with the credentials each was written with.
    const onlyB = await withKeyring({ keys: [B] });
    for (const row of [plain, named, legacy, alreadyB]) {
      await expect(onlyB.integrations.findById(TENANT, row.id)).resolves.toMatchObject({
        credentials: row.credentials,
      });
    }
    // Not an edit: version, updated_at and the rest of the row are as they were.
    await expect(onlyB.integrations.findById(TENANT, named.id)).resolves.toEqual(before);
  });

  it('never overwrites a write made between its read and its write (compare-and-set)', async () => {
    const underA = await withKeyring({ keys: [A] });
    const rows = await Promise.all(
      ['r1', 'r2', 'r3'].map((name) => underA.integrations.insert(record(name))),
    );
    const ring = await withKeyring({ keys: [A, B], activeKeyId: 'B' });
    const [, middle] = [...rows].sort((x, y) => (x.id < y.id ? -1 : 1));
    // Between the batch's SELECT and its UPDATE, the service changes one row's credentials.
    const pooled = new PooledSqlExecutor(backendOf(ring).dataSource, () => undefined);
    const interleaving: SqlExecutor = {
      async rows<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
        if (sql.startsWith('UPDATE')) {
          await ring.integrations.update(TENANT, middle!.id, {
            credentials: { token: 'authref://env/PATCHED' },
            updatedBy: 'bob',
          });
        }
        return pooled.rows<T>(sql, params);
      },
    };
    const codec = CredentialsCodec.fromKeyring({ keys: [A, B], activeKeyId: 'B' });
    const rotation = new SqlCredentialsRotationRepository(
      interleaving,
      tableNames(test.schema),
      codec,
    );
    const batch = await rotation.rotateBatch(null, 10);
    expect(batch).toMatchObject({ read: 3, rotated: 2, conflicts: [middle!.id], failures: [] });
    const onlyB = await withKeyring({ keys: [B] });
    await expect(onlyB.integrations.findById(TENANT, middle!.id)).resolves.toMatchObject({
      credentials: { token: 'authref://env/PATCHED' },
      version: 2,
    });
    await expect(ring.credentialsRotation.countPending()).resolves.toBe(0);
  });

  it('reports a tampered row by id and skips it; the others rotate and the listing still answers', async () => {
    const underA = await withKeyring({ keys: [A] });
    const rows = await Promise.all(
      ['t1', 't2', 't3', 't4'].map((name) => underA.integrations.insert(record(name))),
    );
    const [victim] = rows;
    const sealed = (await stored(victim!.id)) as Record<string, string>;
    const data = Buffer.from(sealed['data'] ?? '', 'base64');
    data[0] = (data[0] ?? 0) ^ 1;
    await overwrite(victim!.id, { ...sealed, data: data.toString('base64') });
    // Under a key that is in no ring at all.
    const stranger = rows[1]!;
    await overwrite(
      stranger.id,
      CredentialsCodec.fromKeyring({ keys: [{ id: 'Z', key: randomBytes(32) }] }).encode(
        { token: 'authref://env/Z' },
        TENANT,
        stranger.id,
      ),
    );

    const ring = await withKeyring({ keys: [A, B], activeKeyId: 'B' });
    const batches = await rotateAll(ring, 10);
    const failures = batches.flatMap((batch) => batch.failures);
    expect(failures.map((failure) => failure.id).sort()).toEqual([victim!.id, stranger.id].sort());
    expect(failures.find((failure) => failure.id === victim!.id)).toEqual({
      id: victim!.id,
      tenantId: TENANT,
      reason: `the credentials of integration ${victim!.id} failed authentication under key A: they were altered or belong to another row`,
    });
    expect(failures.find((failure) => failure.id === stranger.id)?.reason).toMatch(
      /another key \("Z"\), which is not in the keyring \(A, B\)/,
    );
    expect(JSON.stringify(failures)).not.toContain(sealed['data']);
    expect(batches.reduce((sum, batch) => sum + batch.rotated, 0)).toBe(2);
    // Left as they were: the tampered row is still under A, and still needs it.
    await expect(ring.credentialsRotation.rowsUnderKey('A', 10)).resolves.toEqual({
      count: 1,
      ids: [victim!.id],
    });
    await expect(ring.credentialsRotation.countPending()).resolves.toBe(2);

    const onlyB = await withKeyring({ keys: [B] });
    const page = await onlyB.integrations.list({ tenantId: TENANT, limit: 10 });
    expect(page.items.map((item) => [item.name, item.credentialsUnreadable !== undefined])).toEqual(
      [
        ['t1', true],
        ['t2', true],
        ['t3', false],
        ['t4', false],
      ],
    );
    expect(page.items[2]?.credentials).toEqual({ token: 'authref://env/T3' });
  });

  it('resumes after an interruption from nothing but the rows still pending', async () => {
    const underA = await withKeyring({ keys: [A] });
    for (let i = 0; i < 25; i++) await underA.integrations.insert(record(`row-${i}`));
    const ring = await withKeyring({ keys: [A, B], activeKeyId: 'B' });
    await ring.credentialsRotation.rotateBatch(null, 10);
    await expect(ring.credentialsRotation.countPending()).resolves.toBe(15);
    // A new run starts from the first id and finds only what is left.
    const batches = await rotateAll(ring, 10);
    expect(batches.map((batch) => batch.read)).toEqual([10, 5]);
    await expect(ring.credentialsRotation.countPending()).resolves.toBe(0);
  });

  it('sends a write again after PostgreSQL aborts it as a deadlock victim', async () => {
    const underA = await withKeyring({ keys: [A] });
    const row = await underA.integrations.insert(record('deadlocked'));
    const ring = await withKeyring({ keys: [A, B], activeKeyId: 'B' });
    const pooled = new PooledSqlExecutor(backendOf(ring).dataSource, () => undefined);
    let updates = 0;
    const flaky: SqlExecutor = {
      rows<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
        if (sql.startsWith('UPDATE') && ++updates === 1) {
          const driverError = Object.assign(new Error('deadlock detected'), { code: '40P01' });
          return Promise.reject(new QueryFailedError(sql, [], driverError));
        }
        return pooled.rows<T>(sql, params);
      },
    };
    const rotation = new SqlCredentialsRotationRepository(
      flaky,
      tableNames(test.schema),
      CredentialsCodec.fromKeyring({ keys: [A, B], activeKeyId: 'B' }),
    );
    await expect(rotation.rotateBatch(null, 10)).resolves.toMatchObject({ rotated: 1 });
    expect(updates).toBe(2);
    expect(await stored(row.id)).toMatchObject({ kid: 'B' });
  });

  it('refuses without a keyring, a limit out of range, a bad cursor and an unknown key', async () => {
    await expect(test.db.credentialsRotation.countPending()).rejects.toThrow(
      /no encryption key is configured/,
    );
    const ring = await withKeyring({ keys: [A, B], activeKeyId: 'B' });
    await expect(ring.credentialsRotation.rotateBatch(null, 0)).rejects.toThrow(/limit must be/);
    await expect(ring.credentialsRotation.rotateBatch(null, 10_001)).rejects.toThrow(
      /limit must be/,
    );
    await expect(ring.credentialsRotation.rotateBatch('nope', 10)).rejects.toThrow(/not a uuid/);
    await expect(ring.credentialsRotation.rowsUnderKey('C', 10)).rejects.toThrow(
      /key "C" is not in the keyring \(A, B\)/,
    );
    await expect(ring.credentialsRotation.rotateBatch(randomUUID(), 10)).resolves.toMatchObject({
      read: 0,
      last: null,
    });
  });
  it('re-seals secret settings with the credentials: plain, old-key and mixed rows onto the active key', async () => {
    const plain = await test.db.integrations.insert(secretRecord('s-plain'));
    const underA = await withKeyring({ keys: [A] });
    const sealedA = await underA.integrations.insert(secretRecord('s-under-a'));
    const ring = await withKeyring({ keys: [A, B], activeKeyId: 'B' });
    const alreadyB = await ring.integrations.insert(secretRecord('s-already-b'));
    // Credentials under B, but the setting still under A (as a write of before left it).
    const mixed = await ring.integrations.insert(secretRecord('s-mixed'));
    await overwriteSettings(
      mixed.id,
      CredentialsCodec.fromKeyring({ keys: [A] }).encodeSettings(
        mixed.settings,
        mixed.secretSettings,
        TENANT,
        mixed.id,
      ).stored,
    );
    expect((await storedRow(mixed.id)).settings['webhookSecret']).toMatchObject({ kid: 'A' });
    const before = await Promise.all(
      [plain, sealedA, alreadyB, mixed].map((row) => ring.integrations.findById(TENANT, row.id)),
    );

    await expect(ring.credentialsRotation.countPending()).resolves.toBe(3);
    await expect(ring.credentialsRotation.rowsUnderKey('A', 10)).resolves.toEqual({
      count: 2,
      ids: [sealedA.id, mixed.id].sort(),
    });
    const batches = await rotateAll(ring, 2);
    expect(batches.map((batch) => [batch.read, batch.rotated])).toEqual([
      [2, 2],
      [1, 1],
    ]);
    expect(batches.flatMap((batch) => [...batch.conflicts, ...batch.failures])).toEqual([]);
    await expect(ring.credentialsRotation.countPending()).resolves.toBe(0);
    await expect(ring.credentialsRotation.rowsUnderKey('A', 10)).resolves.toEqual({
      count: 0,
      ids: [],
    });
    for (const row of [plain, sealedA, alreadyB, mixed]) {
      const stored = await storedRow(row.id);
      expect(stored.credentials).toMatchObject({ kid: 'B' });
      expect(stored.settings).toEqual({
        project: row.name,
        webhookSecret: expect.objectContaining({ $encrypted: 'aes-256-gcm/v1', kid: 'B' }),
      });
      expect(stored.text).not.toContain(WEBHOOK_SECRET);
    }
    // B alone opens every one, as it was (not an edit: versions and times unchanged).
    const onlyB = await withKeyring({ keys: [B] });
    const after = await Promise.all(
      [plain, sealedA, alreadyB, mixed].map((row) => onlyB.integrations.findById(TENANT, row.id)),
    );
    expect(after).toEqual(before);
    expect(after.map((row) => row?.settings['webhookSecret'])).toEqual(
      ['s-plain', 's-under-a', 's-already-b', 's-mixed'].map((name) => `${WEBHOOK_SECRET}-${name}`),
    );
  });

  it('never overwrites a settings write made between its read and its write', async () => {
    const underA = await withKeyring({ keys: [A] });
    const row = await underA.integrations.insert(secretRecord('s-raced'));
    const ring = await withKeyring({ keys: [A, B], activeKeyId: 'B' });
    const pooled = new PooledSqlExecutor(backendOf(ring).dataSource, () => undefined);
    const interleaving: SqlExecutor = {
      async rows<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
        if (sql.startsWith('UPDATE')) {
          // Settings only: the credentials the rotation read are still the stored ones.
          await underA.integrations.update(TENANT, row.id, {
            settings: { project: 'patched', webhookSecret: 'whsec-patched' },
            secretSettings: ['webhookSecret'],
            updatedBy: 'bob',
          });
        }
        return pooled.rows<T>(sql, params);
      },
    };
    const rotation = new SqlCredentialsRotationRepository(
      interleaving,
      tableNames(test.schema),
      CredentialsCodec.fromKeyring({ keys: [A, B], activeKeyId: 'B' }),
    );
    await expect(rotation.rotateBatch(null, 10)).resolves.toMatchObject({
      read: 1,
      rotated: 0,
      conflicts: [row.id],
    });
    await expect(ring.integrations.findById(TENANT, row.id)).resolves.toMatchObject({
      settings: { project: 'patched', webhookSecret: 'whsec-patched' },
      version: 2,
    });
    // What that writer sealed under A is still to do, and the next batch does it.
    await expect(ring.credentialsRotation.countPending()).resolves.toBe(1);
    await expect(ring.credentialsRotation.rotateBatch(null, 10)).resolves.toMatchObject({
      rotated: 1,
    });
    expect((await storedRow(row.id)).settings['webhookSecret']).toMatchObject({ kid: 'B' });
  });

  it('skips a row whose secret setting does not open, naming the setting; retiring its key is refused', async () => {
    const underA = await withKeyring({ keys: [A] });
    const [victim, healthy] = await Promise.all(
      ['s-victim', 's-healthy'].map((name) => underA.integrations.insert(secretRecord(name))),
    );
    const stored = await storedRow(victim!.id);
    const envelope = stored.settings['webhookSecret'] as Record<string, string>;
    const data = Buffer.from(envelope['data'] ?? '', 'base64');
    data[0] = (data[0] ?? 0) ^ 1;
    await overwriteSettings(victim!.id, {
      ...stored.settings,
      webhookSecret: { ...envelope, data: data.toString('base64') },
    });

    const ring = await withKeyring({ keys: [A, B], activeKeyId: 'B' });
    const batches = await rotateAll(ring, 10);
    expect(batches.flatMap((batch) => batch.failures)).toEqual([
      {
        id: victim!.id,
        tenantId: TENANT,
        reason: `the sealed value "settings.webhookSecret" of integration ${victim!.id} failed authentication under key A: it was altered or belongs to another row or field`,
      },
    ]);
    expect(batches.reduce((sum, batch) => sum + batch.rotated, 0)).toBe(1);
    // Left whole: its credentials stay under A too, and A is still needed by it alone.
    expect((await storedRow(victim!.id)).credentials).toMatchObject({ kid: 'A' });
    expect((await storedRow(healthy!.id)).settings['webhookSecret']).toMatchObject({ kid: 'B' });
    await expect(ring.credentialsRotation.rowsUnderKey('A', 10)).resolves.toEqual({
      count: 1,
      ids: [victim!.id],
    });
    // Its credentials are fine; with them re-sealed under B, the setting alone still needs A.
    await ring.integrations.update(TENANT, victim!.id, {
      credentials: { token: 'authref://env/REPAIRED' },
      updatedBy: 'bob',
    });
    expect((await storedRow(victim!.id)).credentials).toMatchObject({ kid: 'B' });
    await expect(ring.credentialsRotation.rowsUnderKey('A', 10)).resolves.toEqual({
      count: 1,
      ids: [victim!.id],
    });
    await expect(ring.credentialsRotation.countPending()).resolves.toBe(1);
  });
});
