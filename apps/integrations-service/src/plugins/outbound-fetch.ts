import { Inject } from '@nestjs/common';
import type { HostFetch, PluginAgents } from '@stellaops/integrations-plugin-abstractions';
import type { CallTiming, OutboundTlsOptions } from '@stellaops/integrations-plugin-host';
import { createOutbound } from '@stellaops/integrations-plugin-host';
import type { ServiceConfig } from '../config/service-config';

/** What one registration's operation asks of the network layer. */
export interface OutboundRequest {
  readonly tls?: OutboundTlsOptions;
  /** `false`: this registration goes direct even when the service has a proxy. */
  readonly useProxy?: boolean;
  readonly onCall?: (timing: CallTiming) => void;
}

export interface OutboundAccess {
  readonly fetch: HostFetch;
  readonly agents: PluginAgents;
}

/** Builds the way out to the network for one registration's operation. */
export type OutboundFactory = (request: OutboundRequest) => OutboundAccess;

/**
 * The one place outbound connections leave the service: the plugin host's guard (OUTBOUND_ALLOW_CIDRS,
 * the proxy variables), with the registration's TLS settings. Tests replace this provider.
 */
export const OUTBOUND_FACTORY = 'INTEGRATIONS:OUTBOUND_FACTORY';

export const InjectOutboundFactory = (): ParameterDecorator => Inject(OUTBOUND_FACTORY);

export function guardedOutboundFactory(config: ServiceConfig): OutboundFactory {
  const { allowCidrs, proxy, maxRedirects } = config.outbound;
  const policy = { allowCidrs };
  return (request) =>
    createOutbound({
      policy,
      maxRedirects,
      ...(request.useProxy === false ? {} : { proxy }),
      ...(request.tls === undefined ? {} : { tls: request.tls }),
      ...(request.onCall === undefined ? {} : { onCall: request.onCall }),
    });
}
