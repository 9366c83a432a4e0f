import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureLibraryLinks } from './library-links';
import { reachableBinaries } from './reachable-binaries';

describe('the embedded server binaries', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'reachable-binaries-'));
  const native = path.join(base, 'closed', 'pkg', 'native');
  const version = `test-${process.pid}-${Date.now()}`;
  const binaries = {
    initdb: path.join(native, 'bin', 'initdb'),
    postgres: path.join(native, 'bin', 'postgres'),
    version,
    linked: true,
  };
  const copyOf = () =>
    path.join(os.tmpdir(), `stellaops-postgres-${version}-${process.getuid?.() ?? 0}`);

  beforeAll(() => {
    fs.mkdirSync(path.join(native, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(native, 'lib'), { recursive: true });
    fs.writeFileSync(binaries.postgres, '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(binaries.initdb, '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(native, 'lib', 'libpq.so.5.18'), 'lib');
    // As npm installs the package: the list of links, no links.
    fs.writeFileSync(
      path.join(native, 'pg-symlinks.json'),
      JSON.stringify([{ source: 'native/lib/libpq.so.5.18', target: 'native/lib/libpq.so.5' }]),
    );
    fs.chmodSync(base, 0o755);
  });

  afterAll(() => {
    fs.rmSync(base, { recursive: true, force: true });
    fs.rmSync(copyOf(), { recursive: true, force: true });
  });

  it('makes the shared libraries’ links the npm tarball cannot carry, relative and idempotent', () => {
    expect(ensureLibraryLinks(native)).toBe(true);
    expect(fs.readlinkSync(path.join(native, 'lib', 'libpq.so.5'))).toBe('libpq.so.5.18');
    expect(ensureLibraryLinks(native)).toBe(true);
  });

  it('uses the binaries where they are when the account is this process or can reach them', () => {
    expect(reachableBinaries(binaries, { name: 'self' })).toBe(binaries);
    fs.chmodSync(path.join(base, 'closed'), 0o755);
    expect(reachableBinaries(binaries, { name: 'other', uid: 4242, gid: 4242 })).toBe(binaries);
  });

  it('copies and links them when they could not be linked in place', () => {
    const copied = reachableBinaries({ ...binaries, linked: false }, { name: 'self' });
    expect(copied.postgres).toBe(path.join(copyOf(), 'bin', 'postgres'));
    expect(fs.readlinkSync(path.join(copyOf(), 'lib', 'libpq.so.5'))).toBe('libpq.so.5.18');
  });

  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot(
    'copies them when a folder above them is closed to the account, and reuses the copy',
    () => {
      fs.rmSync(copyOf(), { recursive: true, force: true });
      fs.chmodSync(path.join(base, 'closed'), 0o700);
      const account = { name: 'other', uid: 4242, gid: 4242 };
      const copied = reachableBinaries(binaries, account);
      expect(copied.postgres).toBe(path.join(copyOf(), 'bin', 'postgres'));
      expect(fs.statSync(copied.postgres).mode & 0o111).not.toBe(0);
      expect(reachableBinaries(binaries, account)).toEqual(copied);
      // Concurrent starts: a later one never removes the copy a running server may use.
      const marker = fs.statSync(copyOf()).ino;
      reachableBinaries({ ...binaries, linked: false }, account);
      expect(fs.statSync(copyOf()).ino).toBe(marker);
    },
  );
});
