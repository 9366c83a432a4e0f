import { connect as tcpConnect, isIPv6 } from 'node:net';
import type { Socket } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionTrace } from './call-timing';
import { elapsedSince } from './call-timing';
import type { OutboundPolicy } from './outbound-policy';
import { decideAddress, normaliseHost } from './outbound-policy';
import { OutboundRefusedError } from './outbound-refused.error';
import type { ProxyRoute, ProxySettings } from './proxy-settings';
import { proxyFor } from './proxy-settings';
import type { ResolvedAddress, Resolver } from './resolver';

export interface ConnectionTarget {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  /** For a secure target: CA, verification, ALPN and the rest of what `tls.connect` takes. */
  readonly tls: ConnectionOptions;
}

interface CheckedHost {
  /** The name for SNI and certificate checks; absent for an IP literal. */
  readonly name?: string;
  readonly addresses: readonly ResolvedAddress[];
}

function notFound(name: string): Error {
  return Object.assign(new Error(`${name} has no address`), { code: 'ENOTFOUND' });
}

/**
 * Opens connections for the host's agents: resolves a name once, checks every address it
 * resolved to, and connects only to a checked address, so that no answer given after the check
 * (DNS rebinding) is ever used. A proxy is checked the same way, and is asked to tunnel to the
 * checked address, not to the name.
 */
export class GuardedConnector {
  constructor(
    private readonly policy: OutboundPolicy,
    private readonly resolver: Resolver,
    private readonly proxy: ProxySettings,
    /** The registration's CA bundle when it is read at call time (with the public roots). */
    private readonly loadCa?: () => Promise<readonly string[]>,
  ) {}

  /** Every address of `host`, each allowed by the policy; throws `OutboundRefusedError` if not. */
  async check(host: string): Promise<CheckedHost> {
    const normalised = normaliseHost(host);
    const checked: CheckedHost =
      normalised.kind === 'ip'
        ? {
            addresses: [
              { address: normalised.address, family: isIPv6(normalised.address) ? 6 : 4 },
            ],
          }
        : { name: normalised.name, addresses: await this.resolver(normalised.name) };
    if (checked.addresses.length === 0) throw notFound(host);
    // Every address, not only the first: a client that falls back to the next one on failure
    // would otherwise reach an address nobody checked.
    for (const { address } of checked.addresses) {
      const decision = decideAddress(address, this.policy);
      if (!decision.allowed) throw new OutboundRefusedError(host, address, decision.addressClass);
    }
    return checked;
  }

  /** A connected (and, for a secure target, handshaken) socket; `trace` is filled in as it goes. */
  async open(target: ConnectionTarget, trace: ConnectionTrace): Promise<Socket | TLSSocket> {
    const proxy = proxyFor(this.proxy, target);
    let started = performance.now();
    const destination = await this.check(target.host);
    let socket: Socket;
    if (proxy === undefined) {
      trace.dnsMs = elapsedSince(started);
      started = performance.now();
      socket = await connectFirst(destination.addresses, target.port, trace);
    } else {
      trace.proxy = proxy.origin;
      const proxyHost = await this.check(proxy.hostname);
      trace.dnsMs = elapsedSince(started);
      started = performance.now();
      socket = await connectFirst(proxyHost.addresses, Number(proxy.port || 80), trace);
      await tunnel(socket, proxy, destination.addresses[0]?.address ?? '', target.port);
    }
    trace.connectMs = elapsedSince(started);
    if (!target.secure) {
      trace.readyAt = performance.now();
      return socket;
    }
    let tls = target.tls;
    if (this.loadCa !== undefined) {
      try {
        tls = { ...tls, ca: [...(await this.loadCa())] };
      } catch (error) {
        socket.destroy();
        throw error;
      }
    }
    started = performance.now();
    const secured = await handshake(socket, { ...target, tls }, destination);
    trace.tlsMs = elapsedSince(started);
    trace.readyAt = performance.now();
    return secured;
  }
}

function connectTcp(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: address, port });
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

/** Tries the checked addresses in the resolver's order; the last failure is the one reported. */
async function connectFirst(
  addresses: readonly ResolvedAddress[],
  port: number,
  trace: ConnectionTrace,
): Promise<Socket> {
  let failure: unknown = notFound('the host');
  for (const { address } of addresses) {
    trace.address = address;
    try {
      return await connectTcp(address, port);
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}

function handshake(
  socket: Socket,
  target: ConnectionTarget,
  host: CheckedHost,
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const secured = tlsConnect({
      ...target.tls,
      socket,
      // The certificate is checked against the name asked for (or the IP literal), never against
      // the address it resolved to.
      host: host.name ?? host.addresses[0]?.address ?? target.host,
      ...(host.name === undefined ? {} : { servername: host.name }),
    });
    secured.once('secureConnect', () => {
      secured.removeListener('error', reject);
      resolve(secured);
    });
    secured.once('error', (error) => {
      secured.destroy();
      reject(error);
    });
  });
}

/** Asks an HTTP proxy for a tunnel (CONNECT) to `address:port` and waits for its 2xx. */
function tunnel(socket: Socket, proxy: ProxyRoute, address: string, port: number): Promise<void> {
  const authority = `${isIPv6(address) ? `[${address}]` : address}:${port}`;
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const fail = (error: Error): void => {
      socket.removeListener('data', onData);
      socket.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) {
        if (head.length > 16_384) fail(proxyError('the proxy answered CONNECT with no end'));
        return;
      }
      socket.removeListener('data', onData);
      socket.removeListener('error', fail);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.toString('latin1'))?.[1] ?? 0);
      if (status < 200 || status > 299) {
        socket.destroy();
        reject(
          proxyError(`the proxy ${proxy.origin} refused the tunnel (${status || 'no status'})`),
        );
        return;
      }
      if (head.length > end + 4) socket.unshift(head.subarray(end + 4));
      resolve();
    };
    socket.on('data', onData);
    socket.once('error', fail);
    socket.write(
      `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n` +
        (proxy.authorization === undefined
          ? ''
          : `Proxy-Authorization: ${proxy.authorization}\r\n`) +
        '\r\n',
    );
  });
}

function proxyError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_PROXY_TUNNEL' });
}
