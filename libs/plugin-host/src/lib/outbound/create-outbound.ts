import { rootCertificates } from 'node:tls';
import type { HostFetch } from '@stellaops/integrations-plugin-abstractions';
import type { CallTiming } from './call-timing';
import { GuardedHttpAgent, GuardedHttpsAgent } from './guarded-agents';
import { GuardedConnector } from './guarded-connection';
import { createGuardedFetch } from './guarded-fetch';
import type { OutboundPolicy } from './outbound-policy';
import type { ProxySettings } from './proxy-settings';
import { proxyFor } from './proxy-settings';
import type { Resolver } from './resolver';
import { systemResolver } from './resolver';

export interface OutboundTlsOptions {
  /**
   * PEM certificates trusted besides the public roots (a private CA of an on-premises server), or
   * a function that reads them at the first secure connection (a reference resolved at call time).
   */
  readonly ca?: string | readonly string[] | (() => Promise<string>);
  /** Turns certificate verification off. Explicit, and the service logs and shows it. */
  readonly insecureSkipVerify?: boolean;
}

export interface OutboundOptions {
  readonly policy: OutboundPolicy;
  /** Default: the system resolver. */
  readonly resolver?: Resolver;
  readonly tls?: OutboundTlsOptions;
  readonly proxy?: ProxySettings;
  /** Called once per call (each redirect hop, each connection an SDK opens), when it is known. */
  readonly onCall?: (timing: CallTiming) => void;
  /** Default 10. */
  readonly maxRedirects?: number;
}

export interface Outbound {
  readonly fetch: HostFetch;
  readonly agents: { readonly http: GuardedHttpAgent; readonly https: GuardedHttpsAgent };
  /** Closes every connection the agents keep. */
  destroy(): void;
}

/**
 * The guarded way out to the network: a `fetch` and the `http`/`https` agents SDKs take, sharing
 * one connector, so one resolution, one policy and one TLS setting apply to every connection.
 */
export function createOutbound(options: OutboundOptions): Outbound {
  const proxy = options.proxy ?? {};
  // A malformed proxy URL fails here, not at the first call.
  proxyFor(proxy, { host: 'proxy.check', port: 443, secure: true });
  proxyFor(proxy, { host: 'proxy.check', port: 80, secure: false });
  const ca = options.tls?.ca;
  let loaded: Promise<readonly string[]> | undefined;
  const loadCa =
    typeof ca === 'function'
      ? () => (loaded ??= ca().then((pem) => [...rootCertificates, pem]))
      : undefined;
  const connector = new GuardedConnector(
    options.policy,
    options.resolver ?? systemResolver,
    proxy,
    loadCa,
  );
  const report = options.onCall ?? (() => undefined);
  const staticCa = ca === undefined || typeof ca === 'function' ? [] : [ca].flat();
  const agents = {
    http: new GuardedHttpAgent(connector, report),
    https: new GuardedHttpsAgent(connector, report, {
      rejectUnauthorized: options.tls?.insecureSkipVerify !== true,
      ...(staticCa.length === 0 ? {} : { ca: [...rootCertificates, ...staticCa] }),
    }),
  };
  return {
    fetch: createGuardedFetch({ agents, report, maxRedirects: options.maxRedirects ?? 10 }),
    agents,
    destroy: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
