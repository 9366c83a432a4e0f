import type { OnModuleInit } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { nameServerSpan } from '../tracing/server-span-route';
import { OtelMetrics } from './otel-metrics';

/**
 * The Fastify hooks that see every request the service answers — the 404s of unknown paths and
 * the problem+json answers of the edge hooks included, which no Nest interceptor would:
 * - `onRequest` names the request's server span after its route template (when tracing is on);
 * - `onResponse` records `http.server.request.duration` with the method, the route template (never
 *   the URL, whose ids would make a series per registration) and the status code (when metrics
 *   are on).
 * Installed when the module initialises, before Fastify is ready: Fastify gives every route the
 * root's hooks at that point. A request whose connection broke before it was answered (and the
 * connection-level errors Node answers itself) is not counted.
 */
@Injectable()
export class HttpServerTelemetry implements OnModuleInit {
  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(OtelMetrics) private readonly metrics: OtelMetrics,
  ) {}

  onModuleInit(): void {
    // An application context (no HTTP server) has nothing to observe.
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (adapter === undefined || adapter === null) return;
    if (adapter.getType() !== 'fastify') {
      throw new Error(
        `the metrics module observes Fastify's requests; this application runs on ${adapter.getType()}`,
      );
    }
    const fastify = adapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, _reply, done) => {
      const route = request.routeOptions.url;
      if (route !== undefined) nameServerSpan(request.method, route);
      done();
    });
    if (!this.metrics.enabled) return;
    fastify.addHook('onResponse', (request, reply, done) => {
      this.metrics.recordHttpServerRequest({
        method: request.method,
        route: request.routeOptions.url,
        statusCode: reply.statusCode,
        seconds: reply.elapsedTime / 1_000,
      });
      done();
    });
  }
}
