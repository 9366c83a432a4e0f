// A loopback TCP proxy between a PostgreSQL client and its server that counts the statements the
// client runs, from the wire: every simple Query ('Q') and every Execute ('E') of the extended
// protocol is one statement (BEGIN and COMMIT included), with its SQL text and the row count the
// server's CommandComplete gives for it. The bytes are forwarded unchanged; parsing runs on the
// side, so the proxy adds a copy and a loopback hop, nothing else.
import net from 'node:net';
import path from 'node:path';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** Where `url` points: a TCP address, or a Unix socket folder given as `?host=/dir`. */
function upstreamOf(url) {
  const socketDir = url.searchParams.get('host');
  if (socketDir !== null && socketDir.startsWith('/')) {
    return { path: path.join(socketDir, `.s.PGSQL.${url.port || '5432'}`) };
  }
  return { host: url.hostname || '127.0.0.1', port: Number(url.port || 5432) };
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable with the database's. */
export const clock = () => performance.timeOrigin + performance.now();

function cstring(buffer, offset) {
  const end = buffer.indexOf(0, offset);
  const stop = end < 0 ? buffer.length : end;
  return { text: buffer.toString('utf8', offset, stop), next: stop + 1 };
}

/** The row count of a CommandComplete tag: `UPDATE 12`, `INSERT 0 12`, `SELECT 3`; else 0. */
export function rowsOfTag(tag) {
  const match = /(\d+)$/.exec(tag);
  return match === null ? 0 : Number(match[1]);
}

/** Splits a byte stream into length-prefixed messages; `onMessage(type, body)` for each. */
class MessageReader {
  #pending = Buffer.alloc(0);
  /** Frontend only: the untyped startup packets come first (SSLRequest, StartupMessage). */
  #startup;
  /** Backend only: single-byte answers owed to SSLRequest / GSSENCRequest. */
  singleByteAnswers = 0;

  constructor({ startup, onMessage, onStartupPacket }) {
    this.#startup = startup;
    this.onMessage = onMessage;
    this.onStartupPacket = onStartupPacket;
  }

  push(chunk) {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let offset = 0;
    const buffer = this.#pending;
    for (;;) {
      if (this.singleByteAnswers > 0) {
        if (buffer.length - offset < 1) break;
        this.singleByteAnswers--;
        offset += 1;
        continue;
      }
      if (this.#startup) {
        if (buffer.length - offset < 8) break;
        const length = buffer.readInt32BE(offset);
        if (buffer.length - offset < length) break;
        const code = buffer.readInt32BE(offset + 4);
        this.onStartupPacket?.(code);
        // After an SSL or GSS request another startup packet follows; anything else ends it.
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) this.#startup = false;
        offset += length;
        continue;
      }
      if (buffer.length - offset < 5) break;
      const length = buffer.readInt32BE(offset + 1);
      if (buffer.length - offset < 1 + length) break;
      const type = String.fromCharCode(buffer[offset]);
      this.onMessage(type, buffer.subarray(offset + 5, offset + 1 + length));
      offset += 1 + length;
    }
    this.#pending = offset === buffer.length ? Buffer.alloc(0) : buffer.subarray(offset);
  }
}

/**
 * One relayed connection's view of the protocol: the statements it executed, in order, waiting
 * for their CommandComplete (or error) to learn their rows.
 */
function connectionParser(record) {
  const prepared = new Map();
  const portals = new Map();
  const awaiting = [];
  const backend = new MessageReader({
    startup: false,
    onMessage(type, body) {
      if (type === 'C') {
        const entry = awaiting.shift();
        if (entry !== undefined) {
          entry.rows = rowsOfTag(cstring(body, 0).text);
          entry.doneAt = clock();
        }
      } else if (type === 'I') {
        const entry = awaiting.shift();
        if (entry !== undefined) entry.doneAt = clock();
      } else if (type === 'E') {
        const entry = awaiting.shift();
        if (entry !== undefined) {
          entry.error = true;
          entry.doneAt = clock();
        }
      } else if (type === 'Z') {
        // ReadyForQuery: whatever was not answered was skipped after an error.
        awaiting.length = 0;
      }
    },
  });
  const frontend = new MessageReader({
    startup: true,
    onStartupPacket(code) {
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) backend.singleByteAnswers++;
    },
    onMessage(type, body) {
      if (type === 'Q') {
        awaiting.push(record(cstring(body, 0).text));
      } else if (type === 'P') {
        const name = cstring(body, 0);
        prepared.set(name.text, cstring(body, name.next).text);
      } else if (type === 'B') {
        const portal = cstring(body, 0);
        portals.set(portal.text, prepared.get(cstring(body, portal.next).text) ?? '');
      } else if (type === 'E') {
        awaiting.push(record(portals.get(cstring(body, 0).text) ?? ''));
      }
    },
  });
  return { frontend, backend };
}

/**
 * Starts the proxy in front of `upstreamUrl`'s server. `url` is the same URL with the proxy's
 * host and port. `log` holds one entry per statement, across every connection, in the order
 * sent: `{ at, doneAt, sql, rows, error }` — `at` when the client sent it and `doneAt` when the
 * server's answer came (`clock()` times), `rows` from its CommandComplete.
 */
export async function startStatementCounter(upstreamUrl) {
  const upstream = new URL(upstreamUrl);
  const target = upstreamOf(upstream);
  const log = [];
  const sockets = new Set();
  const record = (sql) => {
    const entry = { at: clock(), doneAt: undefined, sql, rows: 0, error: false };
    log.push(entry);
    return entry;
  };
  const server = net.createServer((client) => {
    const backend = net.connect(target);
    for (const socket of [client, backend]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    const parser = connectionParser(record);
    client.on('data', (chunk) => {
      backend.write(chunk);
      parser.frontend.push(chunk);
    });
    backend.on('data', (chunk) => {
      client.write(chunk);
      parser.backend.push(chunk);
    });
    client.on('close', () => backend.destroy());
    backend.on('close', () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const relayed = new URL(upstream);
  relayed.hostname = '127.0.0.1';
  relayed.port = String(port);
  relayed.searchParams.delete('host');
  return {
    url: relayed.toString(),
    port,
    log,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * What a statement is, for the breakdown: its SQL with literals, parameters and identifiers'
 * schema folded, whitespace collapsed, cut to `width` characters.
 */
export function statementShape(sql, width = 90) {
  const shape = sql
    .replace(/\s+/g, ' ')
    .replace(/"[a-z0-9_]+"\./gi, '')
    .replace(/'(?:[^']|'')*'/g, "'?'")
    .trim();
  return shape.length > width ? `${shape.slice(0, width - 1)}…` : shape;
}
