import { Inject } from '@nestjs/common';

/** How the host reaches the network on a plugin's behalf. */
export type OutboundFetch = (input: string | URL, init: RequestInit) => Promise<Response>;

/**
 * The one place outbound HTTP leaves the service. Proxies, per-integration CA certificates and an
 * outbound allow-list replace this provider; the host's timeout is applied before it is called.
 */
export const OUTBOUND_FETCH = 'INTEGRATIONS:OUTBOUND_FETCH';

export const InjectOutboundFetch = (): ParameterDecorator => Inject(OUTBOUND_FETCH);

// Looked up per call, so that a test replacing the global fetch is honoured.
export const globalOutboundFetch: OutboundFetch = (input, init) => fetch(input, init);
