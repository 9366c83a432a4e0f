import type { ChildProcessWithoutNullStreams, SpawnSyncOptions } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * The plugin author's way through, as CI walks it: the contract and the testing kit (with the
 * workspace packages they need) packed with `npm pack`; the example plugin installed from those
 * tarballs into a fresh project outside the workspace, compiled with tsc, its conformance spec run
 * with jest and @swc/jest; the plugin packed in turn, installed into a plugins folder, and loaded
 * by the built service, which lists it and tests a registration with it.
 *
 * Nothing is downloaded: third-party packages the tarballs need are copied from this workspace's
 * node_modules before `npm install --offline` (npm keeps what already satisfies a dependency), and
 * the author's toolchain (TypeScript, jest, @swc/jest) is linked from it. `npm test` builds the
 * libraries and the service first; run `nx run-many -t build` before running this file alone.
 */
const workspace = path.resolve(__dirname, '..', '..');
const exampleDir = path.join(workspace, 'examples', 'acme-ci-plugin');
const workspaceModules = path.join(workspace, 'node_modules');
const mainJs = path.join(workspace, 'apps', 'integrations-service', 'dist', 'bundle', 'main.js');
const ACME_TOKEN = 'acme-token-for-the-example-0123456789';

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

function readManifest(dir: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** The workspace's publishable packages by name: libs/* and libs/plugins/*. */
function workspacePackages(): Map<string, string> {
  const packages = new Map<string, string>();
  for (const parent of ['libs', path.join('libs', 'plugins')]) {
    for (const entry of fs.readdirSync(path.join(workspace, parent), { withFileTypes: true })) {
      const dir = path.join(workspace, parent, entry.name);
      if (entry.isDirectory() && fs.existsSync(path.join(dir, 'package.json'))) {
        packages.set(readManifest(dir).name, dir);
      }
    }
  }
  return packages;
}

/** Runs a command without a shell; its output is returned, or shown in the failure. */
function run(command: string, args: readonly string[], options: SpawnSyncOptions): string {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  });
  const output = `${String(result.stdout ?? '')}\n${String(result.stderr ?? '')}`.trim();
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${String(result.status)}`}):\n${output}`,
    );
  }
  return String(result.stdout);
}

/** npm as a child of this Node, without the jest worker's variables. */
function npmEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('JEST_')),
  );
  return { ...env, NODE_ENV: 'development', npm_config_update_notifier: 'false' };
}

function npmPack(dir: string, destination: string): string {
  const output = run(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', destination],
    {
      cwd: dir,
      env: npmEnv(),
    },
  );
  const [packed] = JSON.parse(output.slice(output.indexOf('['))) as { filename: string }[];
  if (packed === undefined) throw new Error(`npm pack in ${dir} packed nothing`);
  return path.join(destination, packed.filename);
}

function npmInstallOffline(dir: string, specs: readonly string[], save: boolean): void {
  run(
    'npm',
    [
      'install',
      ...specs,
      ...(save ? [] : ['--no-save', '--no-package-lock']),
      '--offline',
      // jest, the kit's peer, is the author's own: linked from the workspace after the install.
      '--legacy-peer-deps',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
    ],
    { cwd: dir, env: npmEnv() },
  );
}

/** Where Node finds `name` from the package in `fromDir`, inside the workspace's node_modules. */
function resolvePackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; dir.startsWith(workspaceModules + path.sep); dir = path.dirname(dir)) {
    const nested = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(nested, 'package.json'))) return nested;
  }
  const hoisted = path.join(workspaceModules, name);
  return fs.existsSync(path.join(hoisted, 'package.json')) ? hoisted : undefined;
}

/**
 * Copies the third-party packages `names` need, with everything they need in turn, from the
 * workspace's node_modules: what a registry would have served, already on this machine.
 */
function seedThirdParty(names: Iterable<string>, into: string): void {
  const queue = [...names].map((name) => ({ name, from: workspaceModules }));
  const copied = new Set<string>();
  while (queue.length > 0) {
    const { name, from } = queue.shift()!;
    const source = resolvePackageDir(name, from);
    if (source === undefined) {
      throw new Error(`${name} is not in the workspace's node_modules: run npm run setup`);
    }
    if (copied.has(source)) continue;
    copied.add(source);
    // A nested copy travels inside the package that holds it; the hoisted ones go to the top.
    if (source === path.join(workspaceModules, name)) {
      fs.cpSync(source, path.join(into, 'node_modules', name), {
        recursive: true,
        dereference: true,
      });
    }
    const manifest = readManifest(source);
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      queue.push({ name: dependency, from: source });
    }
  }
}

function listen(server: ReturnType<typeof createServer>): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

/** Acme CI as the example's plugin expects it; it records the Authorization header it receives. */
function acmeCi(received: string[]) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    received.push(request.headers.authorization ?? '');
    const json = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${ACME_TOKEN}`) json(401, { message: 'no' });
    else if (request.url === '/api/v1/user') json(200, { login: 'stella-bot' });
    else if (request.url === '/api/v1/projects/payments') {
      json(200, { name: 'payments', archived: false });
    } else json(404, { message: 'Not Found' });
  };
}

interface Service {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly token: string;
  readonly output: () => string;
}

function startService(pluginsDir: string, dataDir: string, pluginName: string): Promise<Service> {
  // The plugins folder is the working directory too: the service resolves plugin packages from
  // there, and from PLUGINS_DIR where it reads that.
  const child = spawn(process.execPath, [mainJs], {
    cwd: pluginsDir,
    env: {
      PATH: process.env['PATH'] ?? '',
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      PLUGINS_DIR: pluginsDir,
      INTEGRATIONS_PLUGINS: pluginName,
      ACME_TOKEN,
      SECRETS_ENV_ALLOW: 'ACME_TOKEN',
      // The example's Acme CI listens on loopback, which the outbound policy refuses by default.
      OUTBOUND_ALLOW_CIDRS: '127.0.0.1/32',
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${output}`)), 60_000);
    const onData = (): void => {
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      const token = /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m.exec(output)?.[1];
      if (url !== undefined && token !== undefined) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve({ child, url, token, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited with ${String(code)} before it was ready:\n${output}`));
    });
  });
}

function stopService(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }
  });
}

describe('the plugin author’s way through (examples/acme-ci-plugin)', () => {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'plugin-example-'));
  const tarballs = path.join(temp, 'tarballs');
  const author = path.join(temp, 'author');
  const pluginsDir = path.join(temp, 'plugins');
  const example = readManifest(exampleDir);
  const packed = new Map<string, string>();
  let pluginTarball = '';

  const available = workspacePackages();

  // rmSync removes the toolchain's links themselves, never what they point to in the workspace.
  afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

  it('packs the contract, the testing kit and the workspace packages they need', () => {
    const wanted = Object.keys({ ...example.dependencies, ...example.devDependencies }).filter(
      (name) => available.has(name),
    );
    fs.mkdirSync(tarballs);
    for (let name = wanted.shift(); name !== undefined; name = wanted.shift()) {
      if (packed.has(name)) continue;
      const dir = available.get(name)!;
      if (!fs.existsSync(path.join(dir, 'dist', 'index.js'))) {
        throw new Error(`${dir}/dist is missing: build the libraries first (npm test does)`);
      }
      packed.set(name, npmPack(dir, tarballs));
      wanted.push(
        ...Object.keys(readManifest(dir).dependencies ?? {}).filter((n) => available.has(n)),
      );
    }
    expect([...packed.keys()]).toEqual(
      expect.arrayContaining([
        '@stellaops/integrations-plugin-abstractions',
        '@stellaops/integrations-testing',
        '@stellaops/integrations-core',
      ]),
    );
  }, 120_000);

  it('installs the example from the tarballs alone, outside the workspace', () => {
    fs.mkdirSync(author);
    for (const file of ['tsconfig.json', 'tsconfig.build.json', 'jest.config.js']) {
      fs.copyFileSync(path.join(exampleDir, file), path.join(author, file));
    }
    fs.cpSync(path.join(exampleDir, 'src'), path.join(author, 'src'), { recursive: true });
    // The author's toolchain is linked below instead of installed, so npm must not look for it.
    const { devDependencies = {}, ...rest } = example;
    const tools = Object.keys(devDependencies).filter((name) => !packed.has(name));
    const ours = Object.fromEntries(
      Object.entries(devDependencies).filter(([name]) => packed.has(name)),
    );
    fs.writeFileSync(
      path.join(author, 'package.json'),
      JSON.stringify({ ...rest, devDependencies: ours }, null, 2),
    );
    const thirdParty = [...packed.keys()].flatMap((name) =>
      Object.keys(readManifest(available.get(name)!).dependencies ?? {}).filter(
        (dependency) => !packed.has(dependency),
      ),
    );
    seedThirdParty(new Set(thirdParty), author);

    npmInstallOffline(author, [...packed.values()], false);

    for (const name of packed.keys()) {
      const installed = path.join(author, 'node_modules', ...name.split('/'));
      expect({ name, unpacked: !fs.lstatSync(installed).isSymbolicLink() }).toEqual({
        name,
        unpacked: true,
      });
    }
    for (const name of tools) {
      const link = path.join(author, 'node_modules', ...name.split('/'));
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(path.join(workspaceModules, ...name.split('/')), link);
    }
  }, 180_000);

  it('compiles the plugin and its spec with tsc (strict, skipLibCheck off)', () => {
    const tsc = path.join(author, 'node_modules', 'typescript', 'bin', 'tsc');
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: author });
    run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: author });
    expect(fs.readdirSync(path.join(author, 'dist')).sort()).toEqual([
      'acme-ci-plugin.d.ts',
      'acme-ci-plugin.js',
    ]);
  }, 120_000);

  it('runs its conformance spec with jest and @swc/jest, every check passing', () => {
    const results = path.join(temp, 'jest-results.json');
    const jest = path.join(author, 'node_modules', 'jest', 'bin', 'jest.js');
    run(process.execPath, [jest, '--ci', '--json', `--outputFile=${results}`], {
      cwd: author,
      env: npmEnv(),
    });
    const summary = JSON.parse(fs.readFileSync(results, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numTotalTestSuites: number;
    };
    expect(summary).toMatchObject({ numFailedTests: 0, numTotalTestSuites: 1 });
    // Every hostile scenario, abort and case, for both operations, besides the plugin checks.
    expect(summary.numPassedTests).toBeGreaterThanOrEqual(40);
  }, 180_000);

  it('packs the plugin with its compiled code only', () => {
    fs.mkdirSync(path.join(temp, 'plugin-tarball'));
    pluginTarball = npmPack(author, path.join(temp, 'plugin-tarball'));
    const listing = run('tar', ['-tzf', pluginTarball], { cwd: temp }).split('\n').filter(Boolean);
    expect(listing.sort()).toEqual([
      'package/dist/acme-ci-plugin.d.ts',
      'package/dist/acme-ci-plugin.js',
      'package/package.json',
    ]);
  }, 60_000);

  describe('loaded into the built service from a plugins folder', () => {
    const received: string[] = [];
    const acme = createServer(acmeCi(received));
    // A folder of its own: the embedded database's account cannot enter the closed `temp`.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plugin-example-data-'));
    let service: Service | undefined;
    let acmeUrl = '';

    beforeAll(async () => {
      if (!fs.existsSync(mainJs)) {
        throw new Error(`${mainJs} is missing: build the service first (npm test does)`);
      }
      fs.mkdirSync(pluginsDir);
      fs.writeFileSync(
        path.join(pluginsDir, 'package.json'),
        JSON.stringify({ name: 'integrations-plugins', private: true }, null, 2),
      );
      // As an operator would: the plugin and the contract it depends on, into the plugins folder.
      npmInstallOffline(
        pluginsDir,
        [pluginTarball, packed.get('@stellaops/integrations-plugin-abstractions')!],
        true,
      );
      acmeUrl = await listen(acme);
      service = await startService(pluginsDir, dataDir, example.name);
    }, 180_000);

    afterAll(async () => {
      if (service !== undefined) await stopService(service.child);
      acme.closeAllConnections();
      await new Promise((resolve) => acme.close(resolve));
      fs.rmSync(dataDir, { recursive: true, force: true });
    }, 60_000);

    function api(method: string, route: string, body?: unknown): Promise<Response> {
      return fetch(`${service!.url}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${service!.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    }

    it('lists the plugin under /api/v1/providers with its manifest', async () => {
      const response = await api('GET', '/api/v1/providers');
      expect(response.status).toBe(200);
      const { items } = (await response.json()) as { items: Record<string, unknown>[] };
      expect(items.find((item) => item['provider'] === 'acme-ci')).toMatchObject({
        type: 'ci',
        provider: 'acme-ci',
        displayName: 'Acme CI',
        capabilities: ['test-connection', 'health-check'],
        settingsSchema: expect.objectContaining({ required: ['project'] }),
      });
    });

    it('registers an integration with it and tests the connection through the plugin', async () => {
      const registered = await api('POST', '/api/v1/integrations', {
        name: 'acme-payments',
        type: 'ci',
        provider: 'acme-ci',
        endpoint: acmeUrl,
        settings: { project: 'payments' },
        credentials: { token: 'authref://env/ACME_TOKEN' },
      });
      expect({ status: registered.status, output: service!.output() }).toMatchObject({
        status: 201,
      });
      const { id } = (await registered.json()) as { id: string };

      const tested = await api('POST', `/api/v1/integrations/${id}/test`);
      expect(tested.status).toBe(200);
      expect(await tested.json()).toMatchObject({
        success: true,
        status: 'healthy',
        phase: null,
        message: 'authenticated as stella-bot; project payments is reachable',
      });
      expect(received).toContain(`Bearer ${ACME_TOKEN}`);
    }, 30_000);

    it("refuses settings the plugin's schema does not allow, before the plugin sees them", async () => {
      const refused = await api('POST', '/api/v1/integrations', {
        name: 'acme-nothing',
        type: 'ci',
        provider: 'acme-ci',
        endpoint: acmeUrl,
        settings: {},
        credentials: { token: 'authref://env/ACME_TOKEN' },
      });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
    });
  });
});
