import net from 'node:net';

/** What came back on one raw connection, and how it ended. */
export interface RawExchange {
  /** Every byte the server sent, as latin1 text. */
  readonly text: string;
  /** `end`: the server closed gracefully; `error`: the connection broke (see `error`). */
  readonly closedBy: 'end' | 'error' | 'timeout';
  readonly error?: string;
  /** Milliseconds from connecting to the end of the connection. */
  readonly elapsedMs: number;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Opens a TCP connection to the service at `url`, lets `talk` write to it (raw HTTP, in pieces
 * and with pauses if it likes) and collects everything the server sends until the connection
 * ends, breaks, or `timeoutMs` passes.
 */
export function rawExchange(
  url: string,
  talk: (socket: net.Socket) => unknown,
  timeoutMs = 10_000,
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: hostname, port: Number(port) });
    let settled = false;
    const settle = (closedBy: RawExchange['closedBy'], error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({
        text: Buffer.concat(chunks).toString('latin1'),
        closedBy,
        ...(error === undefined
          ? {}
          : { error: (error as NodeJS.ErrnoException).code ?? error.message }),
        elapsedMs: performance.now() - started,
      });
    };
    const timer = setTimeout(() => settle('timeout'), timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => settle('end'));
    socket.on('error', (error) => settle('error', error));
    socket.on('connect', () => {
      Promise.resolve(talk(socket)).catch((error: Error) => settle('error', error));
    });
  });
}

/** Splits what a server sent into its responses (bodies by Content-Length only). */
export function parseRawResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const [statusLine = '', ...lines] = rest.slice(0, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const bodyStart = headEnd + 4;
    responses.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: rest.slice(bodyStart, bodyStart + length),
    });
    rest = rest.slice(bodyStart + length);
  }
  return responses;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
