import type { HostFetch } from '@stellaops/integrations-plugin-abstractions';

/** What getaddrinfo reports: the name does not exist, or the resolver did not answer. */
export type DnsFailureCode = 'ENOTFOUND' | 'EAI_AGAIN';

/** libuv's numbers for the two codes, as Node puts them in `errno`. */
const ERRNO: Readonly<Record<DnsFailureCode, number>> = { ENOTFOUND: -3008, EAI_AGAIN: -3001 };

/** Names under the reserved `.invalid` top-level domain never resolve (RFC 6761). */
export function isUnresolvableName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'invalid' || name.endsWith('.invalid');
}

/**
 * The rejection of the platform's `fetch` when the system resolver fails: a `TypeError('fetch
 * failed')` whose `cause` is the resolver's error, with its `code`, `errno`, `syscall` and
 * `hostname`, exactly as Node builds them.
 */
export function dnsLookupError(hostname: string, code: DnsFailureCode = 'ENOTFOUND'): TypeError {
  const lookup = Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), {
    errno: ERRNO[code],
    code,
    syscall: 'getaddrinfo',
    hostname,
  });
  return new TypeError('fetch failed', { cause: lookup });
}

export interface UnresolvableNamesOptions {
  /** Default `ENOTFOUND`: the name does not exist, which no retry changes. */
  readonly code?: DnsFailureCode;
}

/**
 * Wraps a host's `fetch` so that a request to a `.invalid` name fails the way a failed lookup
 * does, without asking the system resolver: a DNS-failure test then never sends a query off the
 * machine, and its outcome does not depend on the resolver answering. Other requests go to
 * `fetch` unchanged.
 */
export function withUnresolvableNames(
  fetch: HostFetch,
  options: UnresolvableNamesOptions = {},
): HostFetch {
  return async (input, init) => {
    let hostname: string;
    try {
      hostname = (input instanceof URL ? input : new URL(input)).hostname;
    } catch {
      // Not a URL: the wrapped fetch rejects it with its own error.
      return fetch(input, init);
    }
    if (!isUnresolvableName(hostname)) return fetch(input, init);
    // A real fetch gives up on an aborted signal before it looks the name up.
    init?.signal?.throwIfAborted();
    // A real lookup answers on a later turn of the event loop, never synchronously.
    await new Promise((resolve) => setImmediate(resolve));
    init?.signal?.throwIfAborted();
    throw dnsLookupError(hostname, options.code ?? 'ENOTFOUND');
  };
}
