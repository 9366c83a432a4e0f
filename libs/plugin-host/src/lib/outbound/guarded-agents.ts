import type { ClientRequest, ClientRequestArgs } from 'node:http';
import { Agent as HttpAgent } from 'node:http';
import type { AgentOptions as HttpsAgentOptions } from 'node:https';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import type { CallTiming, ConnectionTrace } from './call-timing';
import { elapsedSince, errorCode } from './call-timing';
import type { GuardedConnector } from './guarded-connection';
import { OutboundRefusedError } from './outbound-refused.error';

/**
 * Set on a request's options by the host's own `fetch`, which reports the whole call itself; a
 * connection opened for anyone else (an SDK handed the agent) is reported by the agent.
 */
export const CALL_TRACE = Symbol('stellaops.outbound.trace');

export type CallReporter = (timing: CallTiming) => void;

// Kept-alive sockets are closed after this long unused, so that the per-operation agents of the
// service do not hold connections open.
const IDLE_SOCKET_MS = 4_000;

const TLS_KEYS = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'rejectUnauthorized',
  'ALPNProtocols',
  'ciphers',
  'minVersion',
  'maxVersion',
  'ecdhCurve',
  'sigalgs',
  'crl',
  'session',
] as const;

function tlsOptionsOf(options: ClientRequestArgs): ConnectionOptions {
  const source = options as Record<string, unknown>;
  return Object.fromEntries(
    TLS_KEYS.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]),
  ) as ConnectionOptions;
}

export const newTrace = (): ConnectionTrace => ({
  address: null,
  dnsMs: null,
  connectMs: null,
  tlsMs: null,
});

/** The connection's origin: an agent is not told the request's path. */
function urlOf(secure: boolean, options: ClientRequestArgs): string {
  const host = options.host ?? options.hostname ?? 'localhost';
  const port = options.port === undefined ? '' : `:${options.port}`;
  return `${secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}${port}`;
}

/** Reports a connection an SDK opened: its first byte (or its end) closes the record. */
function reportSdkConnection(
  report: CallReporter,
  base: Omit<CallTiming, 'firstByteMs' | 'totalMs'>,
  started: number,
  trace: ConnectionTrace,
  socket: Duplex,
): void {
  let reported = false;
  const done = (gotData: boolean): void => {
    if (reported) return;
    reported = true;
    report({
      ...base,
      firstByteMs: gotData && trace.readyAt !== undefined ? elapsedSince(trace.readyAt) : null,
      totalMs: elapsedSince(started),
    });
  };
  socket.once('data', () => done(true));
  socket.once('close', () => done(false));
}

function guardedCreateConnection(
  connector: GuardedConnector,
  report: CallReporter,
  secure: boolean,
  options: ClientRequestArgs,
  callback: (error: Error | null, stream?: Duplex) => void,
): void {
  const carried = (options as Record<symbol, unknown>)[CALL_TRACE] as ConnectionTrace | undefined;
  const trace = carried ?? newTrace();
  const started = performance.now();
  const target = {
    host: options.host ?? options.hostname ?? 'localhost',
    port: Number(options.port ?? (secure ? 443 : 80)),
    secure,
    tls: tlsOptionsOf(options),
  };
  const base = () => ({
    url: urlOf(secure, options),
    method: options.method ?? 'GET',
    address: trace.address,
    reused: false,
    dnsMs: trace.dnsMs,
    connectMs: trace.connectMs,
    tlsMs: trace.tlsMs,
    ...(trace.proxy === undefined ? {} : { proxy: trace.proxy }),
  });
  connector.open(target, trace).then(
    (socket: Socket) => {
      if (carried === undefined) reportSdkConnection(report, base(), started, trace, socket);
      callback(null, socket);
    },
    (error: unknown) => {
      if (carried === undefined) {
        report({
          ...base(),
          firstByteMs: null,
          totalMs: elapsedSince(started),
          error: errorCode(error),
          ...(error instanceof OutboundRefusedError ? { refused: error.addressClass } : {}),
        });
      }
      // Socket errors come from Node's own realm, where `instanceof Error` can be false.
      callback(
        typeof error === 'object' && error !== null ? (error as Error) : new Error(String(error)),
      );
    },
  );
}

function keepIdleBriefly(socket: Duplex): void {
  (socket as Socket).setTimeout?.(IDLE_SOCKET_MS);
}

function inUse(socket: Duplex): void {
  (socket as Socket).setTimeout?.(0);
}

/** An `http.Agent` whose every connection goes through the outbound guard. */
export class GuardedHttpAgent extends HttpAgent {
  constructor(
    private readonly connector: GuardedConnector,
    private readonly report: CallReporter,
  ) {
    super({ keepAlive: true });
  }

  override createConnection(
    options: ClientRequestArgs,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): undefined {
    guardedCreateConnection(this.connector, this.report, false, options, callback as never);
    return undefined;
  }

  override keepSocketAlive(socket: Duplex): boolean {
    keepIdleBriefly(socket);
    return (HttpAgent.prototype.keepSocketAlive as (s: Duplex) => boolean).call(this, socket);
  }

  override reuseSocket(socket: Duplex, request: ClientRequest): void {
    inUse(socket);
    super.reuseSocket(socket, request);
  }
}

/**
 * An `https.Agent` whose every connection goes through the outbound guard, with the
 * registration's CA bundle and verification setting. Agent options win over a request's own in
 * Node, so an SDK's per-request `rejectUnauthorized` cannot turn verification off.
 */
export class GuardedHttpsAgent extends HttpsAgent {
  constructor(
    private readonly connector: GuardedConnector,
    private readonly report: CallReporter,
    tls: Pick<HttpsAgentOptions, 'ca' | 'rejectUnauthorized'>,
  ) {
    super({ keepAlive: true, ...tls });
  }

  override createConnection(
    options: ClientRequestArgs,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): undefined {
    guardedCreateConnection(this.connector, this.report, true, options, callback as never);
    return undefined;
  }

  override keepSocketAlive(socket: Duplex): boolean {
    keepIdleBriefly(socket);
    return (HttpsAgent.prototype.keepSocketAlive as (s: Duplex) => boolean).call(this, socket);
  }

  override reuseSocket(socket: Duplex, request: ClientRequest): void {
    inUse(socket);
    super.reuseSocket(socket, request);
  }
}
