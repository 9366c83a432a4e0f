import { ConfigError } from '../config/config.error';
import type { Env } from '../config/env-values';
import { integer, nonEmpty } from '../config/env-values';

/** How the relay logs in to NATS: a user and password, or a token (NATS_USER/NATS_PASSWORD, NATS_TOKEN). */
export type NatsAuth =
  | { readonly kind: 'user'; readonly user: string; readonly password: string }
  | { readonly kind: 'token'; readonly token: string };

/** The broker the outbox relay publishes to. */
export interface NatsConfig {
  /** NATS_URL, split at commas: `nats://host:4222` (TLS when the server asks) or `tls://` (TLS required). */
  readonly servers: readonly string[];
  /** A `tls://` server was given: refuse a connection without TLS. */
  readonly requireTls: boolean;
  readonly auth: NatsAuth | undefined;
  /** NATS_CONNECT_TIMEOUT_MS: the longest a connection's handshake may take (default 5000). */
  readonly connectTimeoutMs: number;
}

/** The JetStream stream the events are stored in. */
export interface EventStreamConfig {
  /** EVENTS_STREAM (default STELLAOPS_INTEGRATIONS). */
  readonly name: string;
  /** EVENTS_SUBJECT_PREFIX (default `stellaops.integrations`): subjects are `<prefix>.<event>`. */
  readonly subjectPrefix: string;
  /** EVENTS_DUPLICATE_WINDOW_SECONDS (default 3600): how long the stream remembers a message id. */
  readonly duplicateWindowMs: number;
  /** EVENTS_STREAM_REPLICAS (default 1): copies of a stream the relay creates (a cluster's R3: 3). */
  readonly replicas: number;
}

export interface OutboxRelayConfig {
  /** EVENTS_RELAY_POLL_MS (default 250): how often the relay looks for new events, and a standby for a free lease. */
  readonly pollIntervalMs: number;
  /** EVENTS_RELAY_BATCH (default 500): unpublished events read per round. */
  readonly batchSize: number;
  /** EVENTS_RELAY_CONCURRENCY (default 32): integrations with an event in flight at once. */
  readonly concurrency: number;
  /** EVENTS_PUBLISH_TIMEOUT_MS (default 5000): how long one publish waits for the stream's ack. */
  readonly publishTimeoutMs: number;
  /** EVENTS_RELAY_BACKOFF_INITIAL_MS / _MAX_MS (250, 30000): the retry backoff's base and cap. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** EVENTS_RELAY_LEASE_MS (default 10000): how long the relay's lease lasts unless renewed. */
  readonly leaseTtlMs: number;
}

export interface OutboxRetentionConfig {
  /** EVENTS_RETENTION_HOURS (default 168): published events older than this are deleted. */
  readonly publishedMaxAgeSeconds: number;
  /** EVENTS_PRUNE_INTERVAL_MS (default 60000): how often the relay deletes them. */
  readonly pruneIntervalMs: number;
  /** EVENTS_PRUNE_BATCH (default 1000): rows deleted per statement. */
  readonly pruneBatchSize: number;
}

/** The events module's slice of the configuration. */
export interface EventsConfig {
  /** NATS_URL: the JetStream broker the outbox relay publishes to; none: events stay in the feed. */
  readonly natsUrl: string | undefined;
  /** Set exactly when `natsUrl` is. */
  readonly nats: NatsConfig | undefined;
  readonly stream: EventStreamConfig;
  readonly relay: OutboxRelayConfig;
  readonly retention: OutboxRetentionConfig;
}

export const DEFAULT_STREAM_NAME = 'STELLAOPS_INTEGRATIONS';
export const DEFAULT_SUBJECT_PREFIX = 'stellaops.integrations';

/**
 * The longest time between two attempts to publish one event: a publish that times out (it may
 * have been stored, its ack lost) is retried after at most the backoff's cap by the same relay,
 * or — when that relay dies — by the next lease holder after at most the lease and a poll. The
 * stream's duplicate window must be longer, so that the retry is recognised as a duplicate.
 */
export function longestRetryMs(relay: OutboxRelayConfig): number {
  return (
    relay.publishTimeoutMs + Math.max(relay.backoffMaxMs, relay.leaseTtlMs + relay.pollIntervalMs)
  );
}

function natsServers(raw: string): { servers: string[]; requireTls: boolean } {
  const servers = raw
    .split(',')
    .map((server) => server.trim())
    .filter((server) => server !== '');
  let tls = 0;
  for (const server of servers) {
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new ConfigError(
        `NATS_URL must be nats://host:port or tls://host:port, comma-separated (got '${server}')`,
      );
    }
    if (url.protocol !== 'nats:' && url.protocol !== 'tls:') {
      throw new ConfigError(
        `NATS_URL must use nats:// or tls:// (got '${url.protocol}//' in '${server}')`,
      );
    }
    if (url.hostname === '') {
      throw new ConfigError(`NATS_URL has a server without a host ('${server}')`);
    }
    if (url.username !== '' || url.password !== '') {
      // The client would ignore them and connect without credentials.
      throw new ConfigError(
        'NATS_URL must not carry credentials: set NATS_USER and NATS_PASSWORD, or NATS_TOKEN',
      );
    }
    if (url.pathname !== '' && url.pathname !== '/') {
      throw new ConfigError(`NATS_URL takes no path ('${server}')`);
    }
    if (url.protocol === 'tls:') tls++;
  }
  if (tls !== 0 && tls !== servers.length) {
    throw new ConfigError('NATS_URL mixes tls:// and nats:// servers: use one scheme for all');
  }
  return { servers, requireTls: tls > 0 };
}

function natsAuth(env: Env): NatsAuth | undefined {
  const user = nonEmpty(env, 'NATS_USER');
  const password = env['NATS_PASSWORD'];
  const token = nonEmpty(env, 'NATS_TOKEN');
  if (token !== undefined && user !== undefined) {
    throw new ConfigError('set either NATS_USER and NATS_PASSWORD, or NATS_TOKEN, not both');
  }
  if (token !== undefined) return { kind: 'token', token };
  if (user !== undefined) {
    if (password === undefined || password === '') {
      throw new ConfigError('NATS_USER needs NATS_PASSWORD as well');
    }
    return { kind: 'user', user, password };
  }
  if (password !== undefined && password !== '') {
    throw new ConfigError('NATS_PASSWORD is set without NATS_USER');
  }
  return undefined;
}

function streamName(env: Env): string {
  const name = nonEmpty(env, 'EVENTS_STREAM') ?? DEFAULT_STREAM_NAME;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new ConfigError(
      `EVENTS_STREAM must be 1 to 64 letters, digits, '_' or '-' (got '${name}')`,
    );
  }
  return name;
}

function subjectPrefix(env: Env): string {
  const prefix = nonEmpty(env, 'EVENTS_SUBJECT_PREFIX') ?? DEFAULT_SUBJECT_PREFIX;
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix) || prefix.length > 200) {
    throw new ConfigError(
      `EVENTS_SUBJECT_PREFIX must be dot-separated tokens of letters, digits, '_' or '-', without wildcards (got '${prefix}')`,
    );
  }
  return prefix;
}

export function loadEventsConfig(env: Env): EventsConfig {
  const natsUrl = nonEmpty(env, 'NATS_URL');
  const connectTimeoutMs = integer(env, 'NATS_CONNECT_TIMEOUT_MS', 5_000, 100, 120_000);
  const auth = natsAuth(env);
  let nats: NatsConfig | undefined;
  if (natsUrl !== undefined) {
    const { servers, requireTls } = natsServers(natsUrl);
    if (servers.length === 0) throw new ConfigError('NATS_URL names no server');
    nats = { servers, requireTls, auth, connectTimeoutMs };
  } else if (auth !== undefined) {
    throw new ConfigError('NATS credentials are set but NATS_URL is not');
  }
  const relay: OutboxRelayConfig = {
    pollIntervalMs: integer(env, 'EVENTS_RELAY_POLL_MS', 250, 10, 60_000),
    batchSize: integer(env, 'EVENTS_RELAY_BATCH', 500, 1, 10_000),
    concurrency: integer(env, 'EVENTS_RELAY_CONCURRENCY', 32, 1, 1_000),
    publishTimeoutMs: integer(env, 'EVENTS_PUBLISH_TIMEOUT_MS', 5_000, 100, 120_000),
    backoffInitialMs: integer(env, 'EVENTS_RELAY_BACKOFF_INITIAL_MS', 250, 10, 600_000),
    backoffMaxMs: integer(env, 'EVENTS_RELAY_BACKOFF_MAX_MS', 30_000, 10, 3_600_000),
    leaseTtlMs: integer(env, 'EVENTS_RELAY_LEASE_MS', 10_000, 1_000, 600_000),
  };
  if (relay.backoffInitialMs > relay.backoffMaxMs) {
    throw new ConfigError(
      `EVENTS_RELAY_BACKOFF_INITIAL_MS (${relay.backoffInitialMs}) must not exceed EVENTS_RELAY_BACKOFF_MAX_MS (${relay.backoffMaxMs})`,
    );
  }
  const duplicateWindowSeconds = integer(
    env,
    'EVENTS_DUPLICATE_WINDOW_SECONDS',
    3_600,
    1,
    7 * 86_400,
  );
  const duplicateWindowMs = duplicateWindowSeconds * 1_000;
  const longest = longestRetryMs(relay);
  if (duplicateWindowMs <= longest) {
    throw new ConfigError(
      `EVENTS_DUPLICATE_WINDOW_SECONDS (${duplicateWindowSeconds}) must be longer than the relay's longest retry, ${longest} ms (EVENTS_PUBLISH_TIMEOUT_MS plus the longer of EVENTS_RELAY_BACKOFF_MAX_MS and EVENTS_RELAY_LEASE_MS + EVENTS_RELAY_POLL_MS), or a retried event could be stored twice`,
    );
  }
  return {
    natsUrl,
    nats,
    stream: {
      name: streamName(env),
      subjectPrefix: subjectPrefix(env),
      duplicateWindowMs,
      replicas: integer(env, 'EVENTS_STREAM_REPLICAS', 1, 1, 5),
    },
    relay,
    retention: {
      publishedMaxAgeSeconds: integer(env, 'EVENTS_RETENTION_HOURS', 168, 1, 87_600) * 3_600,
      pruneIntervalMs: integer(env, 'EVENTS_PRUNE_INTERVAL_MS', 60_000, 100, 86_400_000),
      pruneBatchSize: integer(env, 'EVENTS_PRUNE_BATCH', 1_000, 1, 100_000),
    },
  };
}
