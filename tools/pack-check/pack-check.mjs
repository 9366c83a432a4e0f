#!/usr/bin/env node
// Proves that @stellaops/integrations-plugin-abstractions works as a third-party plugin author gets
// it: built from source, packed with `npm pack`, installed from the tarball into a fresh project
// outside this workspace, the example plugin (examples/acme-ci-plugin, which the README quotes)
// compiled against it with `strict`, and that plugin loaded by package name and run against a
// local HTTP server. The testing kit is built and packed the same way, and its tarball checked:
// what it holds, and that every package its code requires is one it declares.
//
// Usage: node tools/pack-check/pack-check.mjs        Exit code 0 and a last line `pack-check: ok`.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = '@stellaops/integrations-plugin-abstractions';
const TESTING_PACKAGE_NAME = '@stellaops/integrations-testing';
const FIXTURE_PACKAGE_NAME = '@acme/integrations-plugin-acme-ci';

const here = dirname(fileURLToPath(import.meta.url));
const workspace = resolve(here, '../..');
const libDir = join(workspace, 'libs/plugin-abstractions');
const testingDir = join(workspace, 'libs/testing');
const fixtureDir = join(here, 'fixture');
const examplePlugin = join(workspace, 'examples/acme-ci-plugin/src/acme-ci-plugin.ts');
const tsc = join(workspace, 'node_modules/typescript/bin/tsc');

class CheckFailure extends Error {}

function log(message) {
  console.log(`pack-check: ${message}`);
}

function fail(message) {
  throw new CheckFailure(message);
}

/** Runs a command without a shell; on failure, shows its output and stops the check. */
function run(command, args, options) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...options,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', ...options.env },
  });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    const output = [result.stdout, result.stderr].filter(Boolean).join('\n').trim();
    fail(`${options.what} failed (exit ${result.status}):\n${output}`);
  }
  return result.stdout;
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function checkManifest() {
  const manifest = readJson(join(libDir, 'package.json'));
  if (manifest.name !== PACKAGE_NAME) fail(`libs/plugin-abstractions is not ${PACKAGE_NAME}`);
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    const names = Object.keys(manifest[field] ?? {});
    if (names.length > 0) {
      fail(
        `${PACKAGE_NAME} must have no runtime dependency, but its package.json ${field} lists ` +
          `${names.join(', ')}: plugin authors install this one small package`,
      );
    }
  }
  if (!existsSync(join(libDir, 'README.md'))) fail(`${PACKAGE_NAME} has no README.md`);
  log(`${PACKAGE_NAME}@${manifest.version} has no runtime dependency`);
}

/** Builds into a staging folder, so that no stale or concurrent output in dist/ is packed. */
function build(dir, temp) {
  const name = relative(join(workspace, 'libs'), dir);
  const stage = join(temp, `package-${name}`);
  mkdirSync(stage);
  cpSync(join(dir, 'package.json'), join(stage, 'package.json'));
  cpSync(join(dir, 'README.md'), join(stage, 'README.md'));
  run(
    process.execPath,
    [
      tsc,
      '-p',
      join(dir, 'tsconfig.lib.json'),
      '--outDir',
      join(stage, 'dist'),
      '--tsBuildInfoFile',
      join(temp, `${name}.tsbuildinfo`),
    ],
    { cwd: workspace, what: `building ${name} (tsc -p tsconfig.lib.json)` },
  );
  log(`built ${name} with tsconfig.lib.json`);
  return stage;
}

function requiredSpecifiers(stage) {
  return listFiles(join(stage, 'dist'))
    .filter((file) => file.endsWith('.js'))
    .flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/require\(["']([^"']+)["']\)/g)].map(
        ([, specifier]) => ({ file, specifier }),
      ),
    );
}

function listFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** A bare `require` in the output would be a runtime dependency that package.json does not list. */
function checkNoBareImports(stage) {
  for (const { file, specifier } of requiredSpecifiers(stage)) {
    if (!specifier.startsWith('.')) {
      fail(`${relative(stage, file)} requires '${specifier}': the package must need nothing`);
    }
  }
}

/**
 * The kit's code may require Node's own modules and what its package.json declares; the packages
 * of this workspace it needs by caret range, so that an author's newer patch is one copy, not two.
 */
function checkTestingDependencies(stage) {
  const manifest = readJson(join(stage, 'package.json'));
  const declared = { ...manifest.dependencies, ...manifest.peerDependencies };
  for (const { file, specifier } of requiredSpecifiers(stage)) {
    if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
    const name = specifier.startsWith('@')
      ? specifier.split('/').slice(0, 2).join('/')
      : specifier.split('/')[0];
    if (!(name in declared) && !builtinModules.includes(name)) {
      fail(
        `${relative(stage, file)} requires '${specifier}', which ${TESTING_PACKAGE_NAME} does not declare`,
      );
    }
  }
  for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
    if (name.startsWith('@stellaops/') && !range.startsWith('^')) {
      fail(`${TESTING_PACKAGE_NAME} pins ${name} to '${range}': depend on it by caret range`);
    }
  }
  log(`${TESTING_PACKAGE_NAME} requires only what it declares, and its own packages by range`);
}

function pack(stage, temp) {
  const destination = join(temp, `tarball-${relative(temp, stage)}`);
  mkdirSync(destination);
  const output = run(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', destination],
    { cwd: stage, what: 'npm pack' },
  );
  const [packed] = JSON.parse(output.slice(output.indexOf('[')));
  const files = packed.files.map((file) => file.path);
  for (const required of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']) {
    if (!files.includes(required)) fail(`the tarball lacks ${required}`);
  }
  const unwanted = files.filter((file) => /\.spec\.|(^|\/)src\/|tsbuildinfo|type-tests/.test(file));
  if (unwanted.length > 0) fail(`the tarball holds files it should not: ${unwanted.join(', ')}`);
  log(`packed ${packed.filename}: ${files.length} files, ${packed.size} bytes`);
  return join(destination, packed.filename);
}

function createConsumer(temp, tarball) {
  const consumer = join(temp, 'consumer');
  mkdirSync(join(consumer, 'src'), { recursive: true });
  // The plugin project is ESM: it proves the CommonJS package's named exports load from `import`.
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify(
      {
        name: FIXTURE_PACKAGE_NAME,
        version: '0.0.0',
        private: true,
        type: 'module',
        exports: { '.': { types: './dist/plugin.d.ts', default: './dist/plugin.js' } },
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2023'],
          types: ['node'],
          declaration: true,
          // Type-check the package's own declarations too, as a strict consumer would.
          skipLibCheck: false,
          rootDir: 'src',
          outDir: 'dist',
        },
        include: ['src'],
      },
      null,
      2,
    ),
  );
  run(
    'npm',
    [
      'install',
      tarball,
      '--no-save',
      '--no-package-lock',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--offline',
    ],
    { cwd: consumer, what: 'npm install of the tarball' },
  );
  const installed = join(consumer, 'node_modules', ...PACKAGE_NAME.split('/'));
  if (!existsSync(join(installed, 'package.json')) || lstatSync(installed).isSymbolicLink()) {
    fail(`npm install did not unpack ${PACKAGE_NAME} into the fresh project`);
  }
  // The compiler and Node's types come from this workspace, linked after the install so that npm
  // never sees (or prunes) them: no network is needed.
  mkdirSync(join(consumer, 'node_modules/@types'), { recursive: true });
  symlinkSync(
    join(workspace, 'node_modules/typescript'),
    join(consumer, 'node_modules/typescript'),
  );
  symlinkSync(
    join(workspace, 'node_modules/@types/node'),
    join(consumer, 'node_modules/@types/node'),
  );
  cpSync(join(fixtureDir, 'src'), join(consumer, 'src'), { recursive: true });
  cpSync(examplePlugin, join(consumer, 'src/plugin.ts'));
  log(`installed the tarball into a fresh project in ${consumer}`);
  return consumer;
}

/** Every package export resolves by name, from `require` as well; internals stay private. */
function checkExports(consumer) {
  const script = `
    const api = require(${JSON.stringify(PACKAGE_NAME)});
    const expected = ['guardCheck', 'CheckRecorder', 'classifyError', 'ProviderError', 'RetryPolicy',
      'withTimeout', 'sleep', 'retryAfterMs', 'checkContractVersion', 'CONTRACT_VERSION',
      'IntegrationProviders', 'ScmResults', 'SecretUnavailableError', 'TimeoutError', 'AbortedError'];
    const missing = expected.filter((name) => api[name] === undefined);
    if (missing.length > 0) throw new Error('require() lacks ' + missing.join(', '));
    require.resolve(${JSON.stringify(`${PACKAGE_NAME}/package.json`)});
    try {
      require(${JSON.stringify(`${PACKAGE_NAME}/dist/lib/timeout`)});
      throw new Error('a deep import resolved: the exports map does not encapsulate dist/');
    } catch (error) {
      if (error.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error;
    }
  `;
  run(process.execPath, ['--input-type=commonjs', '-e', script], {
    cwd: consumer,
    what: 'loading the package with require()',
  });
  log('the package loads by name from require(), with only its exports map public');
}

function compileAndRun(consumer) {
  run(process.execPath, [join(consumer, 'node_modules/typescript/bin/tsc'), '-p', consumer], {
    cwd: consumer,
    what: 'compiling the example plugin (strict) against the installed package',
  });
  log('compiled the example plugin with strict, exactOptionalPropertyTypes, skipLibCheck off');
  const output = run(process.execPath, [join(consumer, 'dist/run.js'), FIXTURE_PACKAGE_NAME], {
    cwd: consumer,
    what: 'running the example plugin',
  });
  log(`loaded ${FIXTURE_PACKAGE_NAME} by package name and ran it against a local server:`);
  process.stdout.write(output);
}

function removeTemp(temp) {
  for (const link of ['consumer/node_modules/typescript', 'consumer/node_modules/@types/node']) {
    const path = join(temp, link);
    if (existsSync(path) && lstatSync(path).isSymbolicLink()) unlinkSync(path);
  }
  rmSync(temp, { recursive: true, force: true });
}

function main() {
  const temp = mkdtempSync(join(tmpdir(), 'pack-check-'));
  try {
    if (realpathSync(temp).startsWith(realpathSync(workspace) + sep)) {
      fail(`the temporary folder ${temp} is inside the workspace: set TMPDIR elsewhere`);
    }
    checkManifest();
    const stage = build(libDir, temp);
    checkNoBareImports(stage);
    const tarball = pack(stage, temp);
    const consumer = createConsumer(temp, tarball);
    checkExports(consumer);
    compileAndRun(consumer);
    const testingStage = build(testingDir, temp);
    checkTestingDependencies(testingStage);
    pack(testingStage, temp);
  } finally {
    removeTemp(temp);
  }
}

try {
  main();
  log('ok');
} catch (error) {
  if (!(error instanceof CheckFailure)) throw error;
  console.error(`pack-check: FAILED: ${error.message}`);
  process.exitCode = 1;
}
