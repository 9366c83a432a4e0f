// The Node.js the project runs on: 24 LTS. Machines whose own Node is older get it from the
// npm registry (node-linux-<arch>, an optional dependency, linked as node_modules/.bin/node).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REQUIRED_NODE_MAJOR = 24;
export const PROJECT_NODE_VERSION = '24.22.3';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binDir = path.join(root, 'node_modules', '.bin');

export function nodeMajor(version = process.versions.node) {
  return Number.parseInt(version.split('.')[0], 10);
}

/** PATH with the project's binaries (its node among them) first, so child processes use them. */
export function projectPath(extra = []) {
  return [...extra, binDir, process.env.PATH ?? ''].join(path.delimiter);
}

/**
 * Runs the calling script again under the project's Node when this one is older, and exits with
 * its status; returns when this Node will do.
 */
export function ensureProjectNode(scriptUrl) {
  if (nodeMajor() >= REQUIRED_NODE_MAJOR) return;
  const node = path.join(binDir, 'node');
  if (!fs.existsSync(node)) {
    console.error(
      `This project runs on Node.js ${REQUIRED_NODE_MAJOR}; this is ${process.version} and the project's own ` +
        `(node_modules/.bin/node) is not installed. Run \`npm run setup\` first.`,
    );
    process.exit(1);
  }
  const result = spawnSync(node, [fileURLToPath(scriptUrl), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, PATH: projectPath() },
  });
  process.exit(result.status ?? 1);
}
