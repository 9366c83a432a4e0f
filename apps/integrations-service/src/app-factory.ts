import type { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import type { ServiceConfig } from './config/service-config';

const NEST_LOG_LEVELS: Record<ServiceConfig['logLevel'], LogLevel[] | false> = {
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
  silent: false,
};

export interface CreateAppOptions {
  /** Serve Swagger UI at /docs and the OpenAPI document at /docs-json. Default true. */
  readonly docs?: boolean;
}

/**
 * Builds the service, ready to `listen`: the Fastify adapter with a body limit and JSON-only
 * parsing (Nest routes Fastify's own errors, such as 413 and 415, through the problem+json filter),
 * and the OpenAPI document.
 */
export async function createApp(
  config: ServiceConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    // The gateway in front of a replica may retry: keep idle sockets a little longer than it does.
    keepAliveTimeout: 65_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  const fastify = adapter.getInstance();
  // JSON only: without this, text/plain bodies would reach the handlers as strings.
  fastify.removeContentTypeParser('text/plain');

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: NEST_LOG_LEVELS[config.logLevel],
    bufferLogs: false,
    // Fastify's own JSON parser only: Nest would add a form-urlencoded one, and this API is JSON.
    bodyParser: false,
    // Start-up errors reach the caller (main prints them) instead of exiting the process here.
    abortOnError: false,
  });
  if (options.docs ?? true) {
    const config = new DocumentBuilder()
      .setTitle('StellaOps Integrations')
      .setDescription(
        "The catalog of a tenant's external connections: register, test and check them.",
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build();
    // Built on the first request for the docs, not at start: scanning every route costs start-up time.
    SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), {
      jsonDocumentUrl: 'docs-json',
    });
  }
  await app.init();
  return app;
}
