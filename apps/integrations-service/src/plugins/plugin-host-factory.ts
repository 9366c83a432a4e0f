import { Injectable, Logger } from '@nestjs/common';
import type {
  HostFetch,
  LogFields,
  PluginHost,
  PluginLogger,
} from '@stellaops/integrations-plugin-abstractions';
import { systemClock } from '@stellaops/integrations-plugin-abstractions';
import type { ServiceConfig } from '../config/service-config';
import { InjectServiceConfig } from '../config/service-config.token';
import type { OutboundFactory, OutboundRequest } from './outbound-fetch';
import { InjectOutboundFactory } from './outbound-fetch';
import { redactSecrets } from './redact-secrets';

export interface PluginHostOptions {
  /** The logger's context, e.g. `plugin:github-app`. */
  readonly context: string;
  /** Added to every line the plugin logs, over any field of that name the plugin passes. */
  readonly fields: LogFields;
  /** The values to keep out of the logs, read at each line (the set grows as secrets resolve). */
  readonly secrets?: () => readonly string[];
  /** The registration's TLS and proxy choice, and who hears of each call's timing. */
  readonly outbound?: OutboundRequest;
}

const NO_SECRETS = (): readonly string[] => [];

/**
 * Builds the `PluginHost` a plugin gets: a redacting logger, the clock, and the guarded way out
 * (a bounded `fetch` and the agents behind it).
 */
@Injectable()
export class PluginHostFactory {
  constructor(
    @InjectServiceConfig() private readonly config: ServiceConfig,
    @InjectOutboundFactory() private readonly outbound: OutboundFactory,
  ) {}

  create(options: PluginHostOptions): PluginHost {
    const timeoutMs = this.config.checkTimeoutMs;
    const outbound = this.outbound(options.outbound ?? {});
    return Object.freeze({
      logger: pluginLogger(
        new Logger(options.context),
        options.fields,
        options.secrets ?? NO_SECRETS,
      ),
      clock: systemClock,
      timeoutMs,
      fetch: boundedFetch(outbound.fetch, timeoutMs),
      agents: outbound.agents,
    });
  }
}

function boundedFetch(fetch: HostFetch, timeoutMs: number): HostFetch {
  return (input, init = {}) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(input, { ...init, signal });
  };
}

// Values JSON cannot show as they are: an Error would print `{}`, a bigint would throw.
function jsonValue(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * One line per entry: the message and the fields as one JSON object after the logger's context,
 * so that a log shipper reads them and a message with a line break cannot split the entry.
 */
export function formatPluginLine(entry: Readonly<Record<string, unknown>>): string {
  try {
    return JSON.stringify(entry, jsonValue);
  } catch {
    return JSON.stringify({ message: String(entry['message']), fields: 'not serialisable' });
  }
}

function pluginLogger(
  logger: Logger,
  hostFields: LogFields,
  secrets: () => readonly string[],
): PluginLogger {
  const line = (message: string, fields: LogFields | undefined): string => {
    const entry: Record<string, unknown> = { message, ...fields, ...hostFields };
    entry['message'] = message;
    return formatPluginLine(redactSecrets(entry, secrets()));
  };
  return {
    debug: (message, fields) => logger.debug(line(message, fields)),
    info: (message, fields) => logger.log(line(message, fields)),
    warn: (message, fields) => logger.warn(line(message, fields)),
    error: (message, fields) => logger.error(line(message, fields)),
  };
}
