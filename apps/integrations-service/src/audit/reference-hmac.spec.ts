import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AuthRef } from '@stellaops/integrations-core';
import type { LoggerService } from '@nestjs/common';
import { LOCAL_AUDIT_HMAC_KEY_FILE, ReferenceHmac } from './reference-hmac';

const ref = (uri: string) => AuthRef.parse(uri);

function recordingLogger(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  const push = (message: unknown) => {
    lines.push(String(message));
  };
  return { lines, log: push, warn: push, error: push };
}

describe('ReferenceHmac', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'reference-hmac-'));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is HMAC-SHA256 of the canonical URI under the key, in hex', () => {
    const key = Buffer.alloc(32, 9);
    const hmac = ReferenceHmac.fromKey(key);
    const uri = 'authref://vault/kv/data/github#privateKey';
    expect(hmac.of(ref(uri))).toBe(createHmac('sha256', key).update(uri).digest('hex'));
    expect(hmac.of(ref(uri))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is stable for one reference and key, and differs across references and keys', () => {
    const one = ReferenceHmac.fromKey(Buffer.alloc(32, 1));
    const again = ReferenceHmac.fromKey(Buffer.alloc(32, 1));
    const other = ReferenceHmac.fromKey(Buffer.alloc(32, 2));
    const token = ref('authref://env/E2E_TOKEN');
    expect(one.of(token)).toBe(again.of(token));
    expect(one.of(token)).not.toBe(one.of(ref('authref://env/E2E_TOKEN_2')));
    expect(one.of(ref('authref://vault/kv#a'))).not.toBe(one.of(ref('authref://vault/kv#b')));
    expect(one.of(token)).not.toBe(other.of(token));
    // Not a plain digest that anyone could compute from a guessed reference.
    expect(one.of(token)).not.toBe(createHash('sha256').update(token.uri).digest('hex'));
  });

  it('takes a configured or derived key as it is', async () => {
    const key = Buffer.alloc(32, 5);
    const logger = recordingLogger();
    const configured = await ReferenceHmac.fromConfig(
      { hmacKey: { from: 'AUDIT_HMAC_KEY', key } },
      dataDir,
      logger,
    );
    const derived = await ReferenceHmac.fromConfig(
      { hmacKey: { from: 'AUTH_JWT_SECRET', key } },
      dataDir,
      logger,
    );
    const token = ref('authref://env/E2E_TOKEN');
    expect(configured.of(token)).toBe(ReferenceHmac.fromKey(key).of(token));
    expect(derived.of(token)).toBe(configured.of(token));
    expect(logger.lines).toEqual([
      "the audit trail's reference HMACs use a key derived from AUTH_JWT_SECRET: set AUDIT_HMAC_KEY to keep them comparable across a change of that secret",
    ]);
  });

  it('keeps the embedded mode’s key in the data folder, made once, readable by its owner only', async () => {
    const logger = recordingLogger();
    const audit = { hmacKey: { from: 'data-folder' } } as const;
    const first = await ReferenceHmac.fromConfig(audit, dataDir, logger);
    const file = path.join(dataDir, LOCAL_AUDIT_HMAC_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
    expect(key).toHaveLength(32);
    const second = await ReferenceHmac.fromConfig(audit, dataDir, logger);
    const token = ref('authref://file/gh/token');
    expect(first.of(token)).toBe(second.of(token));
    expect(first.of(token)).toBe(ReferenceHmac.fromKey(key).of(token));
    expect(logger.lines).toEqual([`made the audit trail's HMAC key in ${file}`]);
  });
});
