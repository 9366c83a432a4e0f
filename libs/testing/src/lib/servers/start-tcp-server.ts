import type { Socket } from 'node:net';
import { createServer } from 'node:net';
import { listenOnLoopback } from './test-server';

export interface TestTcpServer {
  /** `http://127.0.0.1:<port>`: what a plugin is pointed at. */
  readonly url: string;
  readonly port: number;
  /** How many connections were accepted. */
  readonly connectionCount: number;
  close(): Promise<void>;
}

/**
 * A raw TCP server for misbehaviour below HTTP: `onConnection` decides what (if anything) is
 * written and when the socket dies.
 */
export async function startTcpServer(
  onConnection: (socket: Socket) => void,
): Promise<TestTcpServer> {
  let connectionCount = 0;
  const server = createServer((socket) => {
    connectionCount += 1;
    // A client that gives up resets the connection; that is the point of these servers.
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  const listener = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${listener.port}`,
    port: listener.port,
    get connectionCount() {
      return connectionCount;
    },
    close: listener.close,
  };
}
