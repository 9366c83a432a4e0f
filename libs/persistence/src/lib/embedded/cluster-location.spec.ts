import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clusterLocation } from './cluster-location';

describe('clusterLocation', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-location-'));
  const closed = path.join(base, 'home');
  const dataDir = path.join(closed, 'project', '.data');
  const relocated = path.join(base, 'var-lib');
  const other = { name: 'postgres', uid: 4242, gid: 4242 };

  beforeAll(() => {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.chmodSync(base, 0o755);
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('keeps the cluster in the data folder when the server runs as this process', () => {
    expect(
      clusterLocation(dataDir, 'postgres', 'run', undefined, { name: 'self' }, relocated),
    ).toEqual({
      clusterDir: path.join(dataDir, 'postgres'),
      socketDir: path.join(dataDir, 'run'),
    });
  });

  it('keeps it there when the server’s account can reach the data folder', () => {
    fs.chmodSync(closed, 0o755);
    expect(
      clusterLocation(dataDir, 'postgres', 'run', undefined, other, relocated).clusterDir,
    ).toBe(path.join(dataDir, 'postgres'));
  });

  it('moves it to a folder of its own, named after the data folder, when a folder above is closed', () => {
    fs.chmodSync(closed, 0o700);
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (message: string) => warnings.push(message) };
    const first = clusterLocation(dataDir, 'postgres', 'run', logger, other, relocated);
    expect(first.clusterDir.startsWith(relocated)).toBe(true);
    expect(path.basename(first.clusterDir)).toBe('postgres');
    expect(fs.readFileSync(path.join(dataDir, 'postgres.location'), 'utf8').trim()).toBe(
      path.dirname(first.clusterDir),
    );
    expect(warnings[0]).toContain(`${closed} is closed to it`);
    // The same data folder finds the same cluster again; another one gets its own.
    expect(clusterLocation(dataDir, 'postgres', 'run', undefined, other, relocated)).toEqual(first);
    const second = path.join(closed, 'other', '.data');
    fs.mkdirSync(second, { recursive: true });
    expect(
      clusterLocation(second, 'postgres', 'run', undefined, other, relocated).clusterDir,
    ).not.toBe(first.clusterDir);
  });
});
