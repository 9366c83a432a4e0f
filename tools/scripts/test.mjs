#!/usr/bin/env node
// The whole test suite, as CI runs it: static checks, the pack check, then every jest project in
// one run. Each static check counts as one test. The last line is the summary CI reads:
// `tests: N passed, N failed[, N skipped]`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureProjectNode, projectPath } from './project-node.mjs';

ensureProjectNode(import.meta.url);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = {
  ...process.env,
  PATH: projectPath(),
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  FORCE_COLOR: '0',
};
console.log(`=== node ${process.version}`);
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

const checks = [
  ['format', bin('prettier'), ['--check', '.', '--log-level', 'warn']],
  ['lint', bin('nx'), ['run-many', '-t', 'lint', '--outputStyle=static']],
  ['typecheck', bin('nx'), ['run-many', '-t', 'typecheck', '--outputStyle=static']],
  ['build', bin('nx'), ['run-many', '-t', 'build', '--outputStyle=static']],
  ['pack-check', process.execPath, [path.join(root, 'tools', 'pack-check', 'pack-check.mjs')]],
];

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

function run(name, command, args) {
  console.log(`\n=== ${name}: ${path.basename(command)} ${args.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  const ok = result.status === 0;
  console.log(
    `=== ${name}: ${ok ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return ok;
}

for (const [name, command, args] of checks) {
  if (run(name, command, args)) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

const resultsFile = path.join(root, 'tmp', 'jest-results.json');
fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
fs.rmSync(resultsFile, { force: true });
const jestArgs = [
  '--config',
  path.join(root, 'jest.config.js'),
  '--ci',
  '--maxWorkers=2',
  '--json',
  `--outputFile=${resultsFile}`,
  ...process.argv.slice(2),
];
const jestOk = run('jest', bin('jest'), jestArgs);
if (fs.existsSync(resultsFile)) {
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  skipped += results.numPendingTests + results.numTodoTests;
  // A suite that fails to load has no failed tests of its own: count it, or it would vanish.
  const brokenSuites = results.testResults.filter(
    (suite) =>
      suite.status === 'failed' && suite.assertionResults.every((t) => t.status !== 'failed'),
  );
  failed += brokenSuites.length;
  for (const suite of brokenSuites) failures.push(`suite ${path.relative(root, suite.name)}`);
  if (results.numFailedTests > 0) failures.push(`${results.numFailedTests} jest test(s)`);
  if (results.numTotalTests === 0) {
    failed++;
    failures.push('jest ran no test');
  }
} else {
  failed++;
  failures.push('jest (no results written)');
}
if (!jestOk && failures.length === 0) {
  failed++;
  failures.push('jest exited non-zero');
}

if (failures.length > 0) console.log(`\nFailed: ${failures.join('; ')}`);
console.log(
  `tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`,
);
process.exitCode = failed > 0 ? 1 : 0;
