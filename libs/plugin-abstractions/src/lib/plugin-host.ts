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
 * The host applies timeouts, proxies, per-integration CA certificates and its outbound policy, so a
 * plugin calls this and never the global `fetch`.
 */
export type HostFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface PluginHost {
  readonly logger: PluginLogger;
  readonly clock: Clock;
  readonly fetch: HostFetch;
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
