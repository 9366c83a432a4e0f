import net from 'node:net';
import path from 'node:path';

/**
 * How the relay treats traffic: forward it, hold it back as a network partition does, or refuse
 * it as a server that is down does.
 */
export type RelayMode = 'pass' | 'partition' | 'refuse';

/**
 * A loopback TCP relay in front of any TCP server (PostgreSQL, NATS, …), for tests that break the
 * network.
 */
export interface TcpRelay {
  /** The upstream URL with its host and port replaced by the relay's. */
  readonly url: string;
  readonly port: number;
  /**
   * `partition`: nothing gets through and nothing is refused or reset — bytes in either
   * direction wait (as TCP retransmits them until the network heals) and new connections are
   * accepted but never answered. `refuse`: every connection is reset and new ones are closed at
   * once. `pass`: forward again (after a partition, the held bytes first).
   */
  setMode(mode: RelayMode): void;
  /** Destroys every relayed connection, as a server restart would. */
  resetAll(): void;
  close(): Promise<void>;
}

/** Where `url` points: a TCP address, or a Unix socket folder given as `?host=/dir`. */
function upstreamOf(url: URL): net.NetConnectOpts {
  const socketDir = url.searchParams.get('host');
  if (socketDir !== null && socketDir.startsWith('/')) {
    return { path: path.join(socketDir, `.s.PGSQL.${url.port || '5432'}`) };
  }
  return { host: url.hostname || '127.0.0.1', port: Number(url.port || 5432) };
}

export async function startTcpRelay(upstreamUrl: string): Promise<TcpRelay> {
  const upstream = new URL(upstreamUrl);
  const target = upstreamOf(upstream);
  let mode: RelayMode = 'pass';
  const sockets = new Set<net.Socket>();
  const links = new Set<{ from: net.Socket; to: net.Socket }>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const link = (from: net.Socket, to: net.Socket) => {
    const entry = { from, to };
    links.add(entry);
    from.on('close', () => links.delete(entry));
    if (mode === 'pass') from.pipe(to);
    else from.pause();
  };
  const server = net.createServer((client) => {
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    track(client);
    if (mode === 'partition') {
      client.pause();
      return;
    }
    const backend = net.connect(target);
    track(backend);
    link(client, backend);
    link(backend, client);
    client.on('close', () => backend.destroy());
    backend.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const relayed = new URL(upstream);
  relayed.hostname = '127.0.0.1';
  relayed.port = String(port);
  relayed.searchParams.delete('host');
  return {
    url: relayed.toString(),
    port,
    setMode: (next) => {
      if (next === mode) return;
      mode = next;
      if (next === 'refuse') {
        for (const socket of sockets) socket.destroy();
        return;
      }
      for (const { from, to } of links) {
        if (next === 'partition') {
          from.unpipe(to);
          from.pause();
        } else {
          from.pipe(to);
          from.resume();
        }
      }
    },
    resetAll: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
