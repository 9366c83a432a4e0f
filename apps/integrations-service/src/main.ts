import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError } from './config/config.error';
import { loadServiceConfig } from './config/service-config';
import { ServiceLogger } from './observability/logging/service-logger';
import { loadTracingConfig } from './observability/tracing/tracing.config';

async function main(): Promise<void> {
  const started = performance.now();
  const config = loadServiceConfig();
  const tracingConfig = loadTracingConfig(process.env);
  // Before anything logs (the database's first line may come from the next statement).
  const serviceLogger = ServiceLogger.install(config.logging);
  const logger = new Logger('Bootstrap');
  // Traces start before the application's modules are loaded (hence the imports below): the
  // http instrumentation patches Node's http as it is required. Without an OTLP endpoint nothing
  // of the SDK is loaded, so that a start without tracing does not pay for it.
  const tracing =
    tracingConfig === undefined
      ? undefined
      : (await import('./observability/tracing/start-tracing')).startTracing(tracingConfig);
  const [{ createApp }, { AuthService }, { openCatalogDatabase }] = await Promise.all([
    import('./app-factory'),
    import('./auth/auth.service'),
    import('./database/open-catalog-database'),
  ]);
  // Start the database (the embedded server's initdb and start-up) while the application is
  // assembled; the database module takes this same promise, and reports its failure.
  openCatalogDatabase(config).catch(() => undefined);
  const app = await createApp(config, { logger: serviceLogger });
  // Drain in-flight requests, close the database and export the last spans, then exit 0; a
  // second signal forces it.
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      logger.log({ message: 'stopping', signal });
      app.close().then(
        async () => {
          await tracing?.shutdown();
          logger.log({ message: 'stopped', signal });
          process.exit(0);
        },
        async (error: unknown) => {
          logger.error({ message: 'shutdown failed', err: error });
          await tracing?.shutdown();
          process.exit(1);
        },
      );
    });
  }
  await app.listen({ host: config.host, port: config.port });
  const url = (await app.getUrl()).replace('[::1]', 'localhost');
  logger.log({ message: 'ready', url, startupMs: Math.round(performance.now() - started) });
  // The banner is for whoever started the service by hand, not a log line: plain text on stdout
  // in every LOG_FORMAT, after the ready line (README, "Logs").
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
