import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { Catch, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { answeredAtConnectionLevel } from './client-error-handler';
import { drainRequest } from './drain-request';
import { PROBLEM_CONTENT_TYPE, toProblemDetails } from './problem-details';

/**
 * How much of an unread body is read and dropped before an error is answered (see
 * `drainRequest`): enough for any client that sent a body a little over the limit.
 */
const DRAIN_LIMITS = { maxBytes: 16 * 1_048_576, maxMs: 5_000 } as const;

/** The one place where errors become HTTP: every error is answered as problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    sendProblem(reply, request, exception, this.logger);
  }
}

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  exception: unknown,
  logger: Pick<Logger, 'error'>,
): void {
  const body = toProblemDetails(exception);
  if (body.status >= 500) {
    logger.error(
      `${request.method} ${request.routeOptions?.url ?? request.url} failed: ${
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)
      }`,
    );
  }
  if (reply.sent) return;
  const raw = request.raw;
  const send = (): void => {
    if (reply.sent || raw.socket.destroyed || answeredAtConnectionLevel(raw.socket)) return;
    // A 503 is temporary (the database is away): say when to try again.
    if (body.status === 503) void reply.header('retry-after', '5');
    void reply
      .status(body.status)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .header('cache-control', 'no-store')
      .send({ ...body, instance: request.url.split('?')[0] });
  };
  if (raw.complete) {
    send();
    return;
  }
  // Refused before its body was read (too large, wrong type): read the rest first, then answer
  // and close, so that the client is not reset while still sending and does see this answer.
  void reply.header('connection', 'close');
  void drainRequest(raw, DRAIN_LIMITS).then(send);
}
