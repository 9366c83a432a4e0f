import type { Socket } from 'node:net';
import type { ProblemDetails } from './problem-details';
import { problem } from './problem-details';
import { rawProblemResponse } from './raw-problem-response';

/** How long a connection answered this way may stay open for the client to read the answer. */
const LINGER_MS = 2_000;

/** Connections already answered here: their parser reports every later byte as an error again. */
const answered = new WeakSet<Socket>();

/**
 * Whether this connection was answered by `handleClientError`; a response Fastify would write
 * after that (for a request whose body never came in full) has nowhere to go.
 */
export function answeredAtConnectionLevel(socket: Socket): boolean {
  return answered.has(socket);
}

function problemFor(code: string | undefined): ProblemDetails {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return problem(
        431,
        'header-fields-too-large',
        'the request line and headers are larger than this service accepts: shorten the URL or the headers',
      );
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return problem(
        408,
        'request-timeout',
        'the request was not received in full in time: send it again, without pauses',
      );
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return problem(413, 'content-too-large', 'the chunk extensions of the body are too large');
    default:
      return problem(400, 'malformed-request', 'the request is not well-formed HTTP/1.1');
  }
}

/**
 * Answers the errors Node's HTTP server meets on a connection (malformed request line or headers,
 * headers too large, a request not received in time) with problem+json, where Fastify would
 * answer plain JSON and reset the connection. The connection is closed gracefully: the answer is
 * sent with `Connection: close`, what the client still sends is read and dropped for a moment,
 * so that closing does not reset the connection before the client has read the answer.
 */
export function handleClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  answered.add(socket);
  // Node's own rule: a response of which some bytes are out already cannot be replaced.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  socket.end(rawProblemResponse(problemFor(error.code)));
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
