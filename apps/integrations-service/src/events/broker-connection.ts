import { Logger } from '@nestjs/common';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import { sleep, withTimeout } from '@stellaops/integrations-plugin-abstractions';
import { BrokerUnavailableError } from './broker-unavailable.error';
import type { NatsConfig } from './events.config';

/** Between two attempts to connect (ours at first, the client's own once connected), plus jitter. */
const RECONNECT_WAIT_MS = 1_000;
const RECONNECT_JITTER_MS = 250;
/** A connection that answers no ping for two of these is dropped and redialled by the client. */
const PING_INTERVAL_MS = 10_000;
const MAX_PINGS_OUT = 2;
/** How long a shutdown lets the connection flush before it is closed regardless. */
const DRAIN_TIMEOUT_MS = 2_000;

export type Connect = (options: NodeConnectionOptions) => Promise<NatsConnection>;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The service's connection to NATS. `start` dials in the background (the service starts and
 * serves whether or not the broker is up) and keeps dialling until it gets through; once
 * connected, the client reconnects by itself, for ever. A client that closes anyway (an
 * authorization failure ends its reconnecting) is replaced by a new dial.
 *
 * `connected` is false from a disconnect to the reconnect: callers send nothing then. The client
 * would accept a publish while disconnected and keep it in its outbound buffer, which has no
 * bound; since the relay never publishes while disconnected, that buffer holds at most the
 * publishes in flight at the moment the connection dropped (bounded by the relay's concurrency),
 * and the client discards it at its next dial anyway.
 */
export class BrokerConnection {
  private readonly logger = new Logger('EventsBroker');
  private readonly stopping = new AbortController();
  private current: NatsConnection | undefined;
  private up = false;
  private loop: Promise<void> | undefined;
  private lastErrorMessage: string | undefined;

  constructor(
    private readonly config: NatsConfig,
    /** The client's name on the server's monitoring pages. */
    private readonly clientName: string,
    private readonly dial: Connect = connect,
  ) {}

  /** Starts connecting in the background. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Connected (handshake done, not reconnecting, not closed). */
  get connected(): boolean {
    return this.up && this.current !== undefined && !this.current.isClosed();
  }

  /** The server of the current connection (host:port), or undefined before the first one. */
  get server(): string | undefined {
    return this.current?.getServer();
  }

  /** Why the last attempt to connect or the connection itself failed, if one did. */
  get lastError(): string | undefined {
    return this.lastErrorMessage;
  }

  /** The connection, when connected. */
  connection(): NatsConnection {
    const nc = this.current;
    if (nc === undefined || !this.connected) {
      throw new BrokerUnavailableError(
        `not connected to NATS (${this.config.servers.join(', ')})${this.lastErrorMessage === undefined ? '' : `: ${this.lastErrorMessage}`}`,
      );
    }
    return nc;
  }

  /** The round trip of a ping in ms, or undefined when none came back within `timeoutMs`. */
  async ping(timeoutMs: number): Promise<number | undefined> {
    const nc = this.current;
    if (nc === undefined || !this.connected) return undefined;
    try {
      return await withTimeout(() => nc.rtt(), { timeoutMs });
    } catch {
      return undefined;
    }
  }

  /** Stops dialling, flushes what was sent (bounded) and closes the connection. */
  async close(): Promise<void> {
    this.stopping.abort();
    const nc = this.current;
    if (nc !== undefined && !nc.isClosed()) {
      if (this.connected) {
        await withTimeout(() => nc.drain(), { timeoutMs: DRAIN_TIMEOUT_MS }).catch(
          (error: unknown) => {
            this.logger.warn(
              `could not drain the NATS connection; closing it: ${messageOf(error)}`,
            );
          },
        );
      }
      await nc.close();
    }
    this.up = false;
    // A dial under way finishes within the connect timeout and closes what it got; not waited for.
    if (this.loop !== undefined) {
      const loop = this.loop;
      await withTimeout(() => loop, { timeoutMs: DRAIN_TIMEOUT_MS }).catch(() => undefined);
    }
  }

  private options(): NodeConnectionOptions {
    const { auth } = this.config;
    return {
      servers: [...this.config.servers],
      name: this.clientName,
      timeout: this.config.connectTimeoutMs,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: RECONNECT_WAIT_MS,
      reconnectJitter: RECONNECT_JITTER_MS,
      reconnectJitterTLS: RECONNECT_JITTER_MS,
      pingInterval: PING_INTERVAL_MS,
      maxPingOut: MAX_PINGS_OUT,
      ...(this.config.requireTls ? { tls: {} } : {}),
      ...(auth?.kind === 'user' ? { user: auth.user, pass: auth.password } : {}),
      ...(auth?.kind === 'token' ? { token: auth.token } : {}),
    };
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    let failures = 0;
    while (!signal.aborted) {
      let nc: NatsConnection;
      try {
        nc = await this.dial(this.options());
      } catch (error) {
        this.lastErrorMessage = messageOf(error);
        if (failures === 0) {
          this.logger.warn(
            `cannot connect to NATS (${this.config.servers.join(', ')}): ${this.lastErrorMessage}; retrying every ${RECONNECT_WAIT_MS} ms, events wait in the outbox`,
          );
        }
        failures++;
        await sleep(RECONNECT_WAIT_MS + Math.random() * RECONNECT_JITTER_MS, signal).catch(
          () => undefined,
        );
        continue;
      }
      if (signal.aborted) {
        // Shut down while the dial was under way.
        await nc.close();
        return;
      }
      this.current = nc;
      this.up = true;
      this.lastErrorMessage = undefined;
      this.logger.log(
        `connected to NATS at ${nc.getServer()}${failures > 0 ? ` after ${failures} failed attempt(s)` : ''}`,
      );
      failures = 0;
      const watching = this.watch(nc);
      const closedWith = await nc.closed();
      this.up = false;
      await watching;
      if (signal.aborted) return;
      this.lastErrorMessage =
        closedWith instanceof Error ? closedWith.message : 'the connection closed';
      this.logger.warn(`the NATS connection closed (${this.lastErrorMessage}); dialling again`);
      await sleep(RECONNECT_WAIT_MS, signal).catch(() => undefined);
    }
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this.up = false;
          this.lastErrorMessage = `disconnected from ${status.server}`;
          if (!this.stopping.signal.aborted) {
            this.logger.warn(
              `lost the connection to NATS at ${status.server}; reconnecting, events wait in the outbox`,
            );
          }
          break;
        case 'reconnect':
          this.up = true;
          this.lastErrorMessage = undefined;
          this.logger.log(`reconnected to NATS at ${status.server}`);
          break;
        case 'error':
          this.lastErrorMessage = status.error.message;
          this.logger.warn(`NATS reported an error: ${status.error.message}`);
          break;
        case 'close':
          this.up = false;
          return;
        default:
          break;
      }
    }
  }
}
