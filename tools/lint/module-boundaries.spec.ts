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
