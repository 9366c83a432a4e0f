import type { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import type { ServiceConfig } from './config/service-config';
import { registerEdgeHooks } from './http-edge/edge-hooks';
import { SafeInputPipe } from './http-edge/safe-input.pipe';
import { handleClientError } from './problem/client-error-handler';
import { handleFrameworkError } from './problem/framework-error-handler';

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
 * How often Node looks for requests past their time; a quarter of the shortest timeout, so that a
 * stalled request is answered within 125% of it, and at most a second.
 */
function connectionsCheckingInterval(config: ServiceConfig): number {
  return Math.max(25, Math.min(1_000, Math.floor(config.headersTimeoutMs / 4)));
}

/**
 * Builds the service, ready to `listen`: the Fastify adapter with a body limit, time limits and
 * JSON-only parsing, and the OpenAPI document. Every error is problem+json, wherever it arises:
 * Nest routes Fastify's errors (such as 413 and 415) through the problem+json filter; the router's
 * own (a bad URL), Node's connection-level ones (malformed HTTP, headers too large, a request not
 * received in time), a missing Host and the 503 of a shutdown are answered by the handlers and
 * hooks installed here. Every body, query and path parameter passes `SafeInputPipe` first.
 */
export async function createApp(
  config: ServiceConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    http: {
      // Also given here: Node checks headersTimeout <= requestTimeout when it creates the server.
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingInterval(config),
      requireHostHeader: false,
    },
    return503OnClosing: false,
    clientErrorHandler: handleClientError,
    frameworkErrors: handleFrameworkError,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  const fastify = adapter.getInstance();
  // JSON only: without this, text/plain bodies would reach the handlers as strings.
  fastify.removeContentTypeParser('text/plain');
  registerEdgeHooks(fastify);

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: NEST_LOG_LEVELS[config.logLevel],
    bufferLogs: false,
    // Fastify's own JSON parser only: Nest would add a form-urlencoded one, and this API is JSON.
    bodyParser: false,
    // Start-up errors reach the caller (main prints them) instead of exiting the process here.
    abortOnError: false,
  });
  app.useGlobalPipes(new SafeInputPipe());
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
