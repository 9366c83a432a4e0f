import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reachableBinaries } from './reachable-binaries';

describe('reachableBinaries', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'reachable-binaries-'));
  const native = path.join(base, 'closed', 'pkg', 'native');
  const version = `test-${process.pid}-${Date.now()}`;
  const binaries = {
    initdb: path.join(native, 'bin', 'initdb'),
    postgres: path.join(native, 'bin', 'postgres'),
    version,
  };

  beforeAll(() => {
    fs.mkdirSync(path.join(native, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(native, 'lib'), { recursive: true });
    fs.writeFileSync(binaries.postgres, '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(binaries.initdb, '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(native, 'lib', 'libpq.so.5.18'), 'lib');
    fs.symlinkSync('libpq.so.5.18', path.join(native, 'lib', 'libpq.so.5'));
    fs.chmodSync(base, 0o755);
  });

  afterAll(() => {
    fs.rmSync(base, { recursive: true, force: true });
    fs.rmSync(path.join(os.tmpdir(), `stellaops-postgres-${version}`), {
      recursive: true,
      force: true,
    });
  });

  it('uses the binaries where they are when the account is this process or can reach them', () => {
    expect(reachableBinaries(binaries, { name: 'self' })).toBe(binaries);
    fs.chmodSync(path.join(base, 'closed'), 0o755);
    expect(reachableBinaries(binaries, { name: 'other', uid: 4242, gid: 4242 })).toBe(binaries);
  });

  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot('copies them, symlinks kept, when a folder above them is closed to the account', () => {
    fs.chmodSync(path.join(base, 'closed'), 0o700);
    const copied = reachableBinaries(binaries, { name: 'other', uid: 4242, gid: 4242 });
    expect(copied.postgres).toBe(
      path.join(os.tmpdir(), `stellaops-postgres-${version}`, 'bin', 'postgres'),
    );
    expect(fs.statSync(copied.postgres).mode & 0o111).not.toBe(0);
    expect(
      fs.readlinkSync(path.join(path.dirname(copied.postgres), '..', 'lib', 'libpq.so.5')),
    ).toBe('libpq.so.5.18');
    // A second call reuses the copy.
    const again = reachableBinaries(binaries, { name: 'other', uid: 4242, gid: 4242 });
    expect(again).toEqual(copied);
  });
});
