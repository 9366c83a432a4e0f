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
import type { OutboundFetch } from './outbound-fetch';
import { InjectOutboundFetch } from './outbound-fetch';
import { redactSecrets } from './redact-secrets';

export interface PluginHostOptions {
  /** The logger's context, e.g. `plugin:github-app`. */
  readonly context: string;
  /** Added to every line the plugin logs, over any field of that name the plugin passes. */
  readonly fields: LogFields;
  /** The values to keep out of the logs, read at each line (the set grows as secrets resolve). */
  readonly secrets?: () => readonly string[];
}

const NO_SECRETS = (): readonly string[] => [];

/** Builds the `PluginHost` a plugin gets: a redacting logger, the clock, and a bounded `fetch`. */
@Injectable()
export class PluginHostFactory {
  constructor(
    @InjectServiceConfig() private readonly config: ServiceConfig,
    @InjectOutboundFetch() private readonly outbound: OutboundFetch,
  ) {}

  create(options: PluginHostOptions): PluginHost {
    const timeoutMs = this.config.checkTimeoutMs;
    return Object.freeze({
      logger: pluginLogger(
        new Logger(options.context),
        options.fields,
        options.secrets ?? NO_SECRETS,
      ),
      clock: systemClock,
      timeoutMs,
      fetch: this.boundedFetch(timeoutMs),
    });
  }

  private boundedFetch(timeoutMs: number): HostFetch {
    return (input, init = {}) => {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      return this.outbound(input, { ...init, signal });
    };
  }
}

function pluginLogger(
  logger: Logger,
  hostFields: LogFields,
  secrets: () => readonly string[],
): PluginLogger {
  const entry = (message: string, fields: LogFields | undefined): Record<string, unknown> =>
    redactSecrets({ ...fields, ...hostFields, message }, secrets());
  return {
    debug: (message, fields) => logger.debug(entry(message, fields)),
    info: (message, fields) => logger.log(entry(message, fields)),
    warn: (message, fields) => logger.warn(entry(message, fields)),
    error: (message, fields) => logger.error(entry(message, fields)),
  };
}
