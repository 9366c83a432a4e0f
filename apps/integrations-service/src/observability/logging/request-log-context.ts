import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { withLogContext } from './log-context';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * An incoming request id is taken when it is 1 to 128 token characters (RFC 9110 `tchar`): such
 * a value is safe to echo as a header and to write into a log line, and it covers the ids
 * gateways and tracing proxies send (uuids, hex, base64url). Anything else — longer, with spaces,
 * quotes, control characters, or the header sent twice (Node joins the values with a comma) — is
 * replaced by a fresh uuid rather than trimmed, so that a log line never carries a half of it.
 */
const SAFE_REQUEST_ID = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

/** Fastify's `genReqId`: the caller's `x-request-id` when it is safe, else a new uuid. */
export function requestIdOf(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Hooks that give every request its id and its log context:
 * - `onRequest` echoes the id (`requestIdOf`) as the `x-request-id` response header, also on
 *   the answers later hooks and error handlers send, and runs the rest of the request in a log
 *   context with `requestId`, so that every line written while it is served — by the guard, the
 *   controller, the services, a plugin — carries it. The context reaches Nest's handler across
 *   the reading of the body too: Fastify binds its body parser's callback to the async context
 *   the parsing started in (`request-log-context.spec` checks it with a body of many chunks);
 * - `onResponse` writes one line at debug per request (method, path without the query, status,
 *   duration), Fastify's own request logging being off.
 * Registered before any other `onRequest` hook, so that their answers carry the id too.
 */
export function registerRequestLogContext(fastify: FastifyInstance): void {
  const logger = new Logger('Http');
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    withLogContext({ requestId: request.id }, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    withLogContext({ requestId: request.id }, () =>
      logger.debug({
        message: 'answered',
        method: request.method,
        path: request.url.split('?')[0],
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime),
      }),
    );
    done();
  });
}
