import type { ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { startHttpServer } from './start-http-server';
import { startHttpsServer } from './start-https-server';
import { startTcpServer } from './start-tcp-server';
import { respondJson } from './test-server';

export type HostileScenarioName =
  | 'connection-refused'
  | 'dns-failure'
  | 'tls-self-signed'
  | 'never-answers'
  | 'closes-mid-headers'
  | 'closes-mid-body'
  | 'http-401'
  | 'http-403'
  | 'http-404'
  | 'http-429'
  | 'http-500'
  | 'http-503'
  | 'malformed-json';

/** A running scenario: point a plugin at `url`. */
export interface HostileEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

export interface HostileScenario {
  readonly name: HostileScenarioName;
  readonly title: string;
  start(): Promise<HostileEndpoint>;
}

/**
 * A name under the reserved `.invalid` top-level domain (RFC 2606). Reach it through a fetch
 * wrapped by `withUnresolvableNames`, which fails the lookup without asking the system resolver:
 * the conformance kit's host does.
 */
export const UNRESOLVABLE_ENDPOINT = 'http://no-such-host.invalid';

/**
 * A port of 127.0.0.1 that was just bound and released, so nothing listens on it: connecting is
 * refused at once.
 */
export async function reserveClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address was bound');
  return address.port;
}

const noop = async (): Promise<void> => undefined;

function statusScenario(
  name: HostileScenarioName,
  title: string,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): HostileScenario {
  return {
    name,
    title,
    start: () =>
      startHttpServer((_request, response: ServerResponse) =>
        respondJson(response, status, body, headers),
      ),
  };
}

/**
 * Writes `partial` once the request arrives, then kills the connection: the client sees an
 * answer that stops in the middle.
 */
function cutOffScenario(
  name: HostileScenarioName,
  title: string,
  partial: string,
): HostileScenario {
  return {
    name,
    title,
    start: () =>
      startTcpServer((socket) => {
        socket.once('data', () => socket.write(partial, () => socket.destroy()));
      }),
  };
}

export const hostileScenarios: readonly HostileScenario[] = [
  {
    name: 'connection-refused',
    title: 'connection refused',
    start: async () => ({ url: `http://127.0.0.1:${await reserveClosedPort()}`, close: noop }),
  },
  {
    name: 'dns-failure',
    title: 'host name does not resolve',
    start: async () => ({ url: UNRESOLVABLE_ENDPOINT, close: noop }),
  },
  {
    name: 'tls-self-signed',
    title: 'TLS with a self-signed certificate',
    start: () => startHttpsServer((_request, response) => respondJson(response, 200, {})),
  },
  {
    name: 'never-answers',
    title: 'accepts the connection and never answers',
    // The socket is kept open (and destroyed by close()); nothing is ever written to it.
    start: () => startTcpServer(() => undefined),
  },
  cutOffScenario(
    'closes-mid-headers',
    'closes the connection in the middle of the headers',
    'HTTP/1.1 200 OK\r\nContent-Type: applica',
  ),
  cutOffScenario(
    'closes-mid-body',
    'closes the connection in the middle of the body',
    'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{"items":[{"name":',
  ),
  statusScenario(
    'http-401',
    'HTTP 401 (credentials refused)',
    401,
    { message: 'Bad credentials' },
    { 'www-authenticate': 'Bearer realm="stellaops-test"' },
  ),
  statusScenario('http-403', 'HTTP 403 (permission missing)', 403, {
    message: 'Resource not accessible by integration',
  }),
  statusScenario('http-404', 'HTTP 404 (not found)', 404, { message: 'Not Found' }),
  statusScenario(
    'http-429',
    'HTTP 429 with Retry-After',
    429,
    { message: 'API rate limit exceeded' },
    { 'retry-after': '1' },
  ),
  statusScenario('http-500', 'HTTP 500 (server error)', 500, { message: 'Internal Server Error' }),
  statusScenario('http-503', 'HTTP 503 (unavailable)', 503, { message: 'Service Unavailable' }),
  {
    name: 'malformed-json',
    title: 'HTTP 200 with a malformed JSON body',
    start: () =>
      startHttpServer((_request, response) => {
        const body = '{"status": "ok", "items": [tru';
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        response.end(body);
      }),
  },
];

export function hostileScenario(name: HostileScenarioName): HostileScenario {
  const scenario = hostileScenarios.find((candidate) => candidate.name === name);
  if (scenario === undefined) throw new RangeError(`unknown hostile scenario '${name}'`);
  return scenario;
}
