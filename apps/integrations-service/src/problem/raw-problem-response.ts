import { STATUS_CODES } from 'node:http';
import type { ProblemDetails } from './problem-details';
import { PROBLEM_CONTENT_TYPE } from './problem-details';

/**
 * A whole HTTP/1.1 response carrying `body`, for the errors Node's HTTP parser meets before there
 * is a request to answer through Fastify. It always closes the connection: after such an error the
 * parser cannot tell where a next request would begin.
 */
export function rawProblemResponse(body: ProblemDetails): string {
  const json = JSON.stringify(body);
  return [
    `HTTP/1.1 ${body.status} ${STATUS_CODES[body.status] ?? 'Error'}`,
    `content-type: ${PROBLEM_CONTENT_TYPE}`,
    `content-length: ${Buffer.byteLength(json)}`,
    'cache-control: no-store',
    'connection: close',
    '',
    json,
  ].join('\r\n');
}
