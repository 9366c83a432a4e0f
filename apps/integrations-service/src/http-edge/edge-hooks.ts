import { BadRequestException, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../problem/problem-details.filter';

/**
 * Hooks that answer, before routing to a handler, what Node or Fastify would otherwise answer
 * without problem+json:
 * - while the service shuts down, a request that still arrives on an open connection gets a 503
 *   and `Connection: close` (Fastify's own 503 is plain JSON), so the client retries elsewhere;
 * - an HTTP/1.1 request without `Host` is malformed (RFC 9112 §3.2); Node would answer an empty
 *   400, so its own check is switched off (`requireHostHeader: false`) and this one answers.
 */
// Neither answer is a fault of this service: nothing to log.
const QUIET = { error: (): void => undefined };

export function registerEdgeHooks(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (closing) {
      void reply.header('connection', 'close').header('retry-after', '1');
      sendProblem(
        reply,
        request,
        new ServiceUnavailableException('this replica is shutting down: send the request again'),
        QUIET,
      );
      return;
    }
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      void reply.header('connection', 'close');
      sendProblem(
        reply,
        request,
        new BadRequestException('an HTTP/1.1 request needs a Host header'),
        QUIET,
      );
      return;
    }
    done();
  });
}
