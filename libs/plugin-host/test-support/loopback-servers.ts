import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo, Server, Socket } from 'node:net';
import { connect, createServer as createTcpServer } from 'node:net';
import { createSecureContext } from 'node:tls';
import { createServer as createTlsHttpsServer } from 'node:https';
import { generate } from 'selfsigned';
import type { Resolver } from '../src/lib/outbound/resolver';

/**
 * Servers for the outbound guard's specs. Each listens on 127.0.0.1 only, and nothing here
 * connects anywhere but 127.0.0.1: a broken guard can reach no other machine.
 */
export interface LoopbackServer {
  readonly port: number;
  /** Every request's path, in order. */
  readonly paths: string[];
  close(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function closer(server: Server): () => Promise<void> {
  return async () => {
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export async function startHttpServer(handler: Handler): Promise<LoopbackServer> {
  const paths: string[] = [];
  const server = createHttpServer((request, response) => {
    paths.push(request.url ?? '');
    handler(request, response);
  });
  return { port: await listen(server), paths, close: closer(server) };
}

export interface Certificate {
  readonly cert: string;
  readonly key: string;
}

/** A self-signed certificate for `names`, made at run time (never committed). */
export async function selfSigned(...names: string[]): Promise<Certificate> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: 'commonName', value: names[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** An HTTPS server whose TLS handshake waits `handshakeDelayMs` (in its SNI callback). */
export async function startHttpsServer(
  certificate: Certificate,
  handler: Handler,
  handshakeDelayMs = 0,
): Promise<LoopbackServer> {
  const paths: string[] = [];
  const context = createSecureContext(certificate);
  const server = createTlsHttpsServer(
    {
      ...certificate,
      SNICallback: (_name, callback) => {
        setTimeout(() => callback(null, context), handshakeDelayMs);
      },
    },
    (request, response) => {
      paths.push(request.url ?? '');
      handler(request, response);
    },
  );
  return { port: await listen(server), paths, close: closer(server) };
}

export interface LoopbackProxy extends LoopbackServer {
  /** The authority of every CONNECT asked for. */
  readonly connects: string[];
}

/** An HTTP CONNECT proxy that tunnels to 127.0.0.1 only and refuses (403) anything else. */
export async function startConnectProxy(): Promise<LoopbackProxy> {
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.once('data', (chunk) => {
      const head = chunk.toString('latin1');
      const authority = /^CONNECT (\S+) HTTP\/1\.1/.exec(head)?.[1] ?? '';
      connects.push(authority);
      const match = /^127\.0\.0\.1:(\d+)$/.exec(authority);
      if (match?.[1] === undefined) {
        client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      const upstream = connect({ host: '127.0.0.1', port: Number(match[1]) }, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        client.pipe(upstream).pipe(client);
      });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
  });
  const port = await listen(server);
  return {
    port,
    paths: [],
    connects,
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A resolver that answers from a table, one answer list per lookup in turn (the last one
 * repeats), and counts lookups; it never asks the network.
 */
export function fakeResolver(table: Record<string, string[][]>): Resolver & {
  lookups: string[];
} {
  const lookups: string[] = [];
  const resolver = async (name: string) => {
    const answers = table[name];
    const turn = lookups.filter((each) => each === name).length;
    lookups.push(name);
    const addresses = answers?.[Math.min(turn, answers.length - 1)];
    if (addresses === undefined) {
      throw Object.assign(new Error(`fake resolver: ${name}`), { code: 'ENOTFOUND' });
    }
    return addresses.map((address) => ({
      address,
      family: (address.includes(':') ? 6 : 4) as 4 | 6,
    }));
  };
  return Object.assign(resolver, { lookups });
}
