import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app-factory';
import { AuthService } from './auth/auth.service';
import { ConfigError } from './config/config.error';
import { loadServiceConfig } from './config/service-config';
import { openCatalogDatabase } from './database/open-catalog-database';

async function main(): Promise<void> {
  const started = performance.now();
  const config = loadServiceConfig();
  // Start the database (the embedded server's initdb and start-up) while the application is
  // assembled; the database module takes this same promise, and reports its failure.
  openCatalogDatabase(config).catch(() => undefined);
  const app = await createApp(config);
  // Drain in-flight requests and close the database, then exit 0; a second signal forces it.
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`shutdown failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
    });
  }
  await app.listen({ host: config.host, port: config.port });
  const url = (await app.getUrl()).replace('[::1]', 'localhost');
  const logger = new Logger('Bootstrap');
  logger.log(`ready in ${Math.round(performance.now() - started)} ms`);
  const lines = [`StellaOps Integrations listening on ${url}`, `API docs: ${url}/docs`];
  const token = config.printToken ? await app.get(AuthService).localToken() : undefined;
  if (token !== undefined) {
    lines.push(
      'Local token (tenant "default", all scopes):',
      token,
      `Try: curl -H "Authorization: Bearer <token>" ${url}/api/v1/providers`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`configuration error: ${error.message}\n`);
  } else {
    process.stderr.write(
      `the service could not start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  process.exit(1);
});
