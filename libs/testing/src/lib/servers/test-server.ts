import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** The path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * Answers one request. The body has been read already; a handler that never ends `response`
 * leaves the client waiting, which is what some scenarios want.
 */
export type TestRequestHandler = (
  request: RecordedRequest,
  response: ServerResponse,
) => void | Promise<void>;

export interface TestServer {
  /** `http://127.0.0.1:<port>` or `https://...`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Stops listening and destroys every open connection, so that jest can exit. Idempotent. */
  close(): Promise<void>;
}

export interface LoopbackListener {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens on an ephemeral port of 127.0.0.1 and keeps track of every socket, because a server
 * only stops once its connections are gone and some of ours are held open on purpose.
 */
export function listenOnLoopback(server: Server): Promise<LoopbackListener> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('the test server has no TCP address'));
        return;
      }
      let closing: Promise<void> | undefined;
      resolve({
        port: address.port,
        close: () => {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          });
          return closing;
        },
      });
    });
  });
}

/** Reads each request's body, records the request, then hands it to `handler`. */
export function recordingListener(
  handler: TestRequestHandler,
  requests: RecordedRequest[],
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded: RecordedRequest = {
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      Promise.resolve()
        .then(() => handler(recorded, response))
        .catch((error: unknown) => {
          if (response.headersSent) {
            response.destroy();
            return;
          }
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(`the test handler failed: ${String(error)}`);
        });
    });
  };
}

/** Sends `body` as JSON with `status` and any extra headers. */
export function respondJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}
