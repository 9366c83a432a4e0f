import { isIPv6 } from 'node:net';
import type { AddressClass } from './classify-address';
import { ALWAYS_REFUSED, classifyAddress } from './classify-address';
import type { Cidr } from './ip-address';
import { inCidr, parseCidr, parseIp } from './ip-address';
import { OutboundRefusedError } from './outbound-refused.error';

/** What the operator allows beyond the public internet. */
export interface OutboundPolicy {
  /** CIDR blocks (`10.20.0.0/16`, `127.0.0.1/32`, `fd12::/16`) opened for non-public classes. */
  readonly allowCidrs: readonly string[];
}

export interface AddressDecision {
  readonly address: string;
  readonly addressClass: AddressClass;
  readonly allowed: boolean;
}

/** Parses a comma-separated CIDR list (the `OUTBOUND_ALLOW_CIDRS` format); throws on a bad entry. */
export function parseAllowCidrs(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => parseCidr(entry).text);
}

const compiled = new WeakMap<OutboundPolicy, readonly Cidr[]>();

function cidrsOf(policy: OutboundPolicy): readonly Cidr[] {
  let cidrs = compiled.get(policy);
  if (cidrs === undefined) {
    cidrs = policy.allowCidrs.map(parseCidr);
    compiled.set(policy, cidrs);
  }
  return cidrs;
}

/** The decision for one IP literal: public passes, always-refused never, the rest by the policy. */
export function decideAddress(address: string, policy: OutboundPolicy): AddressDecision {
  const addressClass = classifyAddress(address);
  const ip = parseIp(address);
  const allowed =
    ip !== undefined &&
    (addressClass === 'public' ||
      (!ALWAYS_REFUSED.has(addressClass) && cidrsOf(policy).some((cidr) => inCidr(ip, cidr))));
  return { address, addressClass, allowed };
}

export function isAllowed(address: string, policy: OutboundPolicy): boolean {
  return decideAddress(address, policy).allowed;
}

// Names that reach a cloud's metadata service whatever the resolver says.
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.internal',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
  'metadata.platformequinix.com',
]);

export type NormalisedHost =
  | { readonly kind: 'ip'; readonly address: string }
  | { readonly kind: 'name'; readonly name: string };

/**
 * A host as the network would read it, so that a decision is made on what is connected to:
 * decimal, hex, octal and short IPv4 spellings (`2130706433`, `0x7f000001`, `0177.0.0.1`,
 * `127.1`) become dotted quads and names are lower-cased, punycoded and lose a trailing dot (all
 * by the WHATWG URL host parser, as `fetch` does). Throws `OutboundRefusedError` for a metadata
 * name or a host no URL could hold.
 */
export function normaliseHost(host: string): NormalisedHost {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  // A path, userinfo or query inside a host option would make the URL parser read another host.
  if (bare === '' || /[/\\@?#\s]/.test(bare))
    throw new OutboundRefusedError(host, host, 'reserved');
  let hostname: string;
  try {
    hostname = new URL(`http://${isIPv6(bare.replace(/%.*$/, '')) ? `[${bare}]` : bare}/`).hostname;
  } catch {
    throw new OutboundRefusedError(host, host, 'reserved');
  }
  const unbracketed = hostname.replace(/^\[(.*)\]$/, '$1');
  if (parseIp(unbracketed) !== undefined) return { kind: 'ip', address: unbracketed };
  const name = unbracketed.replace(/\.$/, '');
  if (METADATA_NAMES.has(name) || name.endsWith('.metadata.google.internal')) {
    throw new OutboundRefusedError(host, name, 'metadata');
  }
  return { kind: 'name', name };
}
