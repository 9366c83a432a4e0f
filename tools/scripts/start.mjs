#!/usr/bin/env node
// `npm start`: build the service and the libraries it uses (cached by Nx), then run it. With no
// configuration it uses the embedded database in ./.data and prints a ready token, and loads the
// plugins installed in ./plugins (PLUGINS_DIR: `npm --prefix plugins install <package>`).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureProjectNode, projectPath } from './project-node.mjs';

ensureProjectNode(import.meta.url);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = {
  ...process.env,
  PATH: projectPath(),
  NX_DAEMON: process.env.NX_DAEMON ?? 'false',
  NX_NO_CLOUD: 'true',
  PLUGINS_DIR: process.env.PLUGINS_DIR ?? path.join(root, 'plugins'),
};

const build = spawnSync(
  path.join(root, 'node_modules', '.bin', 'nx'),
  ['build', 'integrations-service', '--outputStyle=static'],
  { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
);
if (build.status !== 0) {
  process.stderr.write(`${build.stdout}${build.stderr}\nnpm start: the build failed\n`);
  process.exit(build.status ?? 1);
}

const service = spawn(
  process.execPath,
  [path.join(root, 'apps/integrations-service/dist/bundle/main.js')],
  {
    cwd: root,
    env,
    stdio: 'inherit',
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => service.kill(signal));
}
service.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
