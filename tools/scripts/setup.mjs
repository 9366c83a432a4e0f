#!/usr/bin/env node
// `npm run setup`: `npm ci` under the project's Node.js 24. Where the machine's Node is older, it
// first fetches Node 24 from the npm registry into .runtime/, runs npm with it (so that engines
// are checked against the Node the project runs on, and no EBADENGINE is printed), and then
// removes .runtime/ again: from then on the copy npm ci installed (node_modules/.bin/node) serves.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_NODE_VERSION, REQUIRED_NODE_MAJOR, nodeMajor, root } from './project-node.mjs';

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const npmCli = process.env.npm_execpath;
if (npmCli === undefined || !fs.existsSync(npmCli)) {
  console.error('setup: run it as `npm run setup` (it needs the npm that runs it)');
  process.exit(1);
}

let node = process.execPath;
const runtimeDir = path.join(root, '.runtime');
if (nodeMajor() < REQUIRED_NODE_MAJOR) {
  const pkg = `node-${os.platform()}-${os.arch()}@${PROJECT_NODE_VERSION}`;
  console.log(
    `setup: Node ${process.version} is older than ${REQUIRED_NODE_MAJOR}; fetching ${pkg}`,
  );
  fs.rmSync(runtimeDir, { recursive: true, force: true });
  run(process.execPath, [
    npmCli,
    'install',
    '--prefix',
    runtimeDir,
    '--no-save',
    '--no-package-lock',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    pkg,
  ]);
  node = path.join(runtimeDir, 'node_modules', pkg.slice(0, pkg.lastIndexOf('@')), 'bin', 'node');
}
console.log(
  `setup: npm ci on Node ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()}`,
);
run(node, [npmCli, 'ci', '--no-audit', '--no-fund', ...process.argv.slice(2)]);
fs.rmSync(runtimeDir, { recursive: true, force: true });
