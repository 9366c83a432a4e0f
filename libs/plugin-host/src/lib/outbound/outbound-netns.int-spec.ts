import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Runs outbound-guard.netns-spec.ts inside a fresh network namespace that has only `lo`, so that
 * the end-to-end guard specs can aim at any address and still reach no other machine. Needs root
 * and `ip` (iproute2): in CI (CI=true) their absence fails this spec; elsewhere it is skipped,
 * saying why.
 */
const workspaceRoot = path.resolve(__dirname, '..', '..', '..', '..', '..');
const namespace = `stellaops-guard-${process.pid}`;
const netnsDir = path.join('/etc/netns', namespace);

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'it must run as root (ip netns add)';
  const ip = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (ip.status !== 0) return 'the ip command (iproute2) is missing';
  return undefined;
}

const reason = unavailable();
const inCi = process.env['CI'] === 'true';

describe('the outbound guard in a loopback-only network namespace', () => {
  if (reason !== undefined && !inCi) {
    it.skip(`skipped: ${reason} (CI runs it)`, () => undefined);
    return;
  }

  it('can run here', () => {
    expect(reason).toBeUndefined();
  });

  it('passes every end-to-end guard spec with nothing but loopback', () => {
    if (reason !== undefined) throw new Error(`cannot run the namespace specs: ${reason}`);
    mkdirSync(netnsDir, { recursive: true });
    writeFileSync(
      path.join(netnsDir, 'hosts'),
      '127.0.0.1 localhost localhost.test metadata.google.internal\n10.1.2.3 gitlab.corp.test\n',
    );
    try {
      execFileSync('ip', ['netns', 'add', namespace]);
      execFileSync('ip', ['netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up']);
      const run = spawnSync(
        'ip',
        [
          'netns',
          'exec',
          namespace,
          process.execPath,
          path.join(workspaceRoot, 'node_modules', 'jest', 'bin', 'jest.js'),
          '--config',
          path.join(workspaceRoot, 'libs', 'plugin-host', 'jest.config.cts'),
          '--testMatch',
          '**/outbound-guard.netns-spec.ts',
          '--runInBand',
          '--ci',
          '--watchman=false',
        ],
        { cwd: workspaceRoot, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } },
      );
      const output = `${run.stdout}\n${run.stderr}`;
      if (run.status !== 0) throw new Error(`the namespace specs failed:\n${output}`);
      expect(output).toMatch(/Tests:\s+\d+ passed, \d+ total/);
      expect(output).not.toMatch(/failed|skipped/);
    } finally {
      spawnSync('ip', ['netns', 'delete', namespace]);
      rmSync(netnsDir, { recursive: true, force: true });
    }
  }, 120_000);
});
