import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';

/** Structured log fields. The host redacts secrets; a plugin still never passes one. */
export type LogFields = Readonly<Record<string, unknown>>;

export interface PluginLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface Clock {
  /** The current time. Tests hand a plugin a clock they control. */
  now(): Date;
}

/**
 * The outbound HTTP function the host gives a plugin, with the signature of the platform's `fetch`.
 * The host applies timeouts, proxies, per-integration CA certificates and its outbound policy (a
 * refused address rejects with an error of code `ERR_OUTBOUND_REFUSED`, which `classifyError`
 * reports as phase `config`), so a plugin calls this and never the global `fetch`.
 */
export type HostFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * The node `http` and `https` agents of the host, for SDKs that open their own connections: the
 * AWS SDK (`new NodeHttpHandler({ httpAgent, httpsAgent })`), Azure's clients (`agent` in their
 * options) and Google's (`agent` in their transporter options) are handed these. Every connection
 * they open is checked by the same outbound policy as `fetch`, with the registration's CA bundle
 * and proxy; a plugin never builds an agent or a socket of its own.
 */
export interface PluginAgents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
}

export interface PluginHost {
  readonly logger: PluginLogger;
  readonly clock: Clock;
  readonly fetch: HostFetch;
  /** The agents behind `fetch`, for SDKs that take one; see `PluginAgents`. */
  readonly agents: PluginAgents;
  /** The time a test or check may take, in milliseconds; a plugin stops and reports by then. */
  readonly timeoutMs: number;
}

export const systemClock: Clock = { now: () => new Date() };

export const silentLogger: PluginLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
