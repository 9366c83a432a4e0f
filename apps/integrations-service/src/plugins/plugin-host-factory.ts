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
import { currentLogContext } from '../observability/logging/log-context';
import type { LogEntry } from '../observability/logging/log-entry';
import { logEntry } from '../observability/logging/log-entry';

export interface PluginHostOptions {
  /**
   * The operation's time limit, `host.timeoutMs`: the plugin's manifest `checkTimeoutMs` when it
   * sets one; CHECK_TIMEOUT_MS otherwise.
   */
  readonly timeoutMs?: number;
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
 * Builds the `PluginHost` a plugin gets: a redacting logger (see `pluginLogger`), the clock, and
 * the guarded way out (a bounded `fetch` and the agents behind it).
 */
@Injectable()
export class PluginHostFactory {
  constructor(
    @InjectServiceConfig() private readonly config: ServiceConfig,
    @InjectOutboundFactory() private readonly outbound: OutboundFactory,
  ) {}

  create(options: PluginHostOptions): PluginHost {
    const timeoutMs = options.timeoutMs ?? this.config.checkTimeoutMs;
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

/**
 * The plugin's logger: each entry is one line of the service log with the plugin's fields as
 * top-level keys beside the message. The host's fields (which registration, which provider) and
 * the current log context's (the request, the tenant) are written over any field of the same name
 * the plugin passes, so that a plugin cannot pass for another registration or request; then
 * every value this registration's secrets have resolved to — in any of the forms
 * `redactionForms` lists — is masked wherever it appears, in the message and in the fields (an
 * Error keeps only its name and its masked message; what is nested deeper than `redactSecrets`
 * inspects is replaced whole). The service's logger then masks fields by their names
 * (`loggableValue`).
 */
function pluginLogger(
  logger: Logger,
  hostFields: LogFields,
  secrets: () => readonly string[],
): PluginLogger {
  const entry = (message: string, fields: LogFields | undefined): LogEntry =>
    redactSecrets(
      logEntry(message, { ...fields, ...currentLogContext(), ...hostFields }),
      secrets(),
    );
  return {
    debug: (message, fields) => logger.debug(entry(message, fields)),
    info: (message, fields) => logger.log(entry(message, fields)),
    warn: (message, fields) => logger.warn(entry(message, fields)),
    error: (message, fields) => logger.error(entry(message, fields)),
  };
}
