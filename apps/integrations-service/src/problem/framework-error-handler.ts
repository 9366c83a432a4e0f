import { Logger } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem-details.filter';

const logger = new Logger('ProblemDetails');

/**
 * Fastify's `frameworkErrors`: the errors its router meets before any route runs (a URL whose
 * percent-encoding does not decode, a path segment longer than `maxParamLength`), answered as
 * problem+json like every other error instead of Fastify's plain JSON.
 */
export function handleFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  sendProblem(reply, request, error, logger);
}
