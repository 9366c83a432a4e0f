import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import type { ServiceConfig } from './config/service-config';
import { registerEdgeHooks } from './http-edge/edge-hooks';
import { SafeInputPipe } from './http-edge/safe-input.pipe';
import {
  registerRequestLogContext,
  requestIdOf,
} from './observability/logging/request-log-context';
import { ServiceLogger } from './observability/logging/service-logger';
import { handleClientError } from './problem/client-error-handler';
import { handleFrameworkError } from './problem/framework-error-handler';

export interface CreateAppOptions {
  /** Serve Swagger UI at /docs and the OpenAPI document at /docs-json. Default true. */
  readonly docs?: boolean;
  /**
   * The logger of every Nest `Logger` (main installs it before anything logs); default a
   * `ServiceLogger` for `config.logging` on standard output.
   */
  readonly logger?: LoggerService;
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
 * hooks installed here. Every body, query and path parameter passes `SafeInputPipe` first. Every
 * request has an id (a safe `x-request-id` it came with, or a new one), echoed in the response
 * and carried by every log line written while it is served; Fastify's own logger stays off, so
 * that each line is written once, by the service's logger.
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
    // The id is checked by genReqId, never taken from a header as it is. Fastify's own logger
    // is left off (no `logger` option): requests are logged by the service's (request-log-context).
    requestIdHeader: false,
    genReqId: requestIdOf,
  });
  const fastify = adapter.getInstance();
  // JSON only: without this, text/plain bodies would reach the handlers as strings.
  fastify.removeContentTypeParser('text/plain');
  registerRequestLogContext(fastify);
  registerEdgeHooks(fastify);

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: options.logger ?? ServiceLogger.create(config.logging),
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
