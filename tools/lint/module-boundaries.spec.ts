import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

const workspaceRoot = path.resolve(__dirname, '..', '..');
const eslintBin = path.join(workspaceRoot, 'node_modules', '.bin', 'eslint');

interface LintMessage {
  ruleId: string | null;
  message: string;
}

/**
 * Lints `code` as if it were a file at `filePath` with the workspace's real ESLint configuration,
 * in a child process (the flat config is ESM, which jest's module system does not load).
 */
function lintAs(filePath: string, code: string): LintMessage[] {
  const run = spawnSync(
    eslintBin,
    ['--format', 'json', '--stdin', '--stdin-filename', path.join(workspaceRoot, filePath)],
    {
      cwd: workspaceRoot,
      input: code,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    },
  );
  if (run.status !== 0 && run.status !== 1) {
    throw new Error(`eslint could not run (exit ${run.status}): ${run.stderr}`);
  }
  const [result] = JSON.parse(run.stdout) as { messages: LintMessage[] }[];
  return result?.messages ?? [];
}

function boundaryViolations(filePath: string, code: string): LintMessage[] {
  return lintAs(filePath, code).filter((m) => m.ruleId === '@nx/enforce-module-boundaries');
}

describe('module boundaries (DESIGN.md dependency rules, enforced by lint)', () => {
  beforeAll(() => {
    // The rule reads Nx's project graph: make sure it has been computed.
    execFileSync(path.join(workspaceRoot, 'node_modules', '.bin', 'nx'), ['show', 'projects'], {
      cwd: workspaceRoot,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      stdio: 'ignore',
    });
  }, 60_000);

  const violations: [string, string, string][] = [
    [
      'plugin-abstractions importing core',
      'libs/plugin-abstractions/src/lib/boundary-probe.ts',
      "import { AuthRef } from '@stellaops/integrations-core';\nexport const probe = AuthRef;\n",
    ],
    [
      'a plugin importing core',
      'libs/plugins/in-memory/src/lib/boundary-probe.ts',
      "import { AuthRef } from '@stellaops/integrations-core';\nexport const probe = AuthRef;\n",
    ],
    [
      'core importing a plugin',
      'libs/core/src/lib/boundary-probe.ts',
      "import { plugins } from '@stellaops/integrations-plugin-in-memory';\nexport const probe = plugins;\n",
    ],
    [
      'core importing persistence',
      'libs/core/src/lib/boundary-probe.ts',
      "import { Database } from '@stellaops/integrations-persistence';\nexport const probe = Database;\n",
    ],
    [
      'a plugin importing the testing kit at run time',
      'libs/plugins/in-memory/src/lib/boundary-probe.ts',
      "import { startHttpServer } from '@stellaops/integrations-testing';\nexport const probe = startHttpServer;\n",
    ],
  ];

  it.each(violations)(
    'fails lint for %s',
    (_name, filePath, code) => {
      const found = boundaryViolations(filePath, code);
      expect(found.length).toBeGreaterThan(0);
      expect(found[0]?.message).toMatch(
        /can only depend on libs tagged|Circular dependency between/,
      );
    },
    60_000,
  );

  it.each([
    [
      'core importing plugin-abstractions',
      'libs/core/src/lib/boundary-probe.ts',
      "import { CONTRACT_VERSION } from '@stellaops/integrations-plugin-abstractions';\nexport const probe = CONTRACT_VERSION;\n",
    ],
    [
      'a plugin importing plugin-abstractions',
      'libs/plugins/in-memory/src/lib/boundary-probe.ts',
      "import { CONTRACT_VERSION } from '@stellaops/integrations-plugin-abstractions';\nexport const probe = CONTRACT_VERSION;\n",
    ],
  ])(
    'passes lint for %s',
    (_name, filePath, code) => {
      expect(boundaryViolations(filePath, code)).toEqual([]);
    },
    60_000,
  );
});

describe("plugins reach the network only through the host (a plugin's runtime code)", () => {
  const NETWORK_RULES = new Set([
    'no-restricted-imports',
    'no-restricted-syntax',
    'no-restricted-globals',
    'no-restricted-properties',
  ]);
  const networkViolations = (filePath: string, code: string): LintMessage[] =>
    lintAs(filePath, code).filter((m) => m.ruleId !== null && NETWORK_RULES.has(m.ruleId));
  const pluginFile = 'libs/plugins/in-memory/src/lib/network-probe.ts';

  it.each([
    ['node:http', "import { request } from 'node:http';\nexport const probe = request;\n"],
    ['https', "import https from 'https';\nexport const probe = https;\n"],
    ['node:net', "import * as net from 'node:net';\nexport const probe = net;\n"],
    ['tls', "import { connect } from 'tls';\nexport const probe = connect;\n"],
    [
      'node:dns/promises',
      "import { lookup } from 'node:dns/promises';\nexport const probe = lookup;\n",
    ],
    ['dns', "import type { LookupAddress } from 'dns';\nexport type Probe = LookupAddress;\n"],
    ['a require of node:tls', "export const probe = () => require('node:tls');\n"],
    ['a dynamic import of net', "export const probe = () => import('net');\n"],
    ['the global fetch', "export const probe = () => fetch('https://example.test/');\n"],
    ['globalThis.fetch', "export const probe = () => globalThis.fetch('https://example.test/');\n"],
  ])(
    'fails lint for %s',
    (_name, code) => {
      const found = networkViolations(pluginFile, code);
      expect(found.length).toBeGreaterThan(0);
      expect(found[0]?.message).toMatch(/config\.host\.(fetch|agents)/);
    },
    60_000,
  );

  it.each([
    ['config.host.fetch', 'libs/plugins/in-memory/src/lib/network-probe.ts'],
    ["a plugin's spec", 'libs/plugins/in-memory/src/lib/network-probe.spec.ts'],
    ['the plugin host', 'libs/plugin-host/src/lib/network-probe.ts'],
  ])(
    'passes lint for %s',
    (name, filePath) => {
      const code =
        name === 'config.host.fetch'
          ? "import type { IntegrationConfig } from '@stellaops/integrations-plugin-abstractions';\nexport const probe = (config: IntegrationConfig) => config.host.fetch(config.endpoint);\n"
          : "import { request } from 'node:http';\nexport const probe = () => [request, fetch];\n";
      expect(networkViolations(filePath, code)).toEqual([]);
    },
    60_000,
  );
});
