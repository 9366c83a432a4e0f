import type { Cidr, IpAddress } from './ip-address';
import { embeddedIPv4, inCidr, parseCidr, parseIp } from './ip-address';

/**
 * What kind of address a connection would reach. `public` is the open internet; `link-local`
 * (which holds the cloud metadata services at 169.254.169.254) and `metadata` are always refused;
 * every other class is refused unless the operator's `OUTBOUND_ALLOW_CIDRS` covers the address.
 */
export type AddressClass =
  | 'public'
  | 'metadata'
  | 'link-local'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'benchmarking'
  | 'unique-local'
  | 'multicast'
  | 'broadcast'
  | 'unspecified'
  | 'ipv4-mapped'
  | 'reserved';

/** The classes no allow-list can open. */
export const ALWAYS_REFUSED: ReadonlySet<AddressClass> = new Set(['metadata', 'link-local']);

const DESCRIPTIONS: Record<AddressClass, string> = {
  public: 'a public address',
  metadata: 'a cloud metadata address',
  'link-local': 'a link-local address (where cloud metadata services live)',
  loopback: 'a loopback address',
  private: 'a private (RFC 1918) address',
  cgnat: 'a carrier-grade NAT (100.64.0.0/10) address',
  benchmarking: 'a benchmarking (198.18.0.0/15) address',
  'unique-local': 'a unique local IPv6 (fc00::/7) address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  unspecified: 'the unspecified address',
  'ipv4-mapped': 'an IPv4-mapped IPv6 address',
  reserved: 'a reserved address',
};

export function describeAddressClass(addressClass: AddressClass): string {
  return DESCRIPTIONS[addressClass];
}

const ranges = (entries: [string, AddressClass][]): [Cidr, AddressClass][] =>
  entries.map(([text, addressClass]) => [parseCidr(text), addressClass]);

// Most specific first: the first match wins.
const IPV4_RANGES = ranges([
  // Alibaba Cloud's and Oracle Cloud's metadata services, inside ranges an operator may allow.
  ['100.100.100.200/32', 'metadata'],
  ['192.0.0.192/32', 'metadata'],
  ['255.255.255.255/32', 'broadcast'],
  ['0.0.0.0/8', 'unspecified'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'cgnat'],
  ['198.18.0.0/15', 'benchmarking'],
  ['224.0.0.0/4', 'multicast'],
  // IETF protocol assignments, the documentation networks, and the old class E.
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved'],
  ['198.51.100.0/24', 'reserved'],
  ['203.0.113.0/24', 'reserved'],
  ['240.0.0.0/4', 'reserved'],
]);

const IPV6_RANGES = ranges([
  ['fd00:ec2::254/128', 'metadata'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fe80::/10', 'link-local'],
  ['fc00::/7', 'unique-local'],
  ['ff00::/8', 'multicast'],
  ['2001:db8::/32', 'reserved'],
  // Deprecated site-local.
  ['fec0::/10', 'reserved'],
]);

// IPv6 forms that carry an IPv4 address the packets end up at: ::ffff:a.b.c.d (mapped),
// ::a.b.c.d (the deprecated "compatible" form) and the well-known NAT64 prefix.
const MAPPED = parseCidr('::ffff:0:0/96');
const COMPATIBLE = parseCidr('::/96');
const NAT64 = parseCidr('64:ff9b::/96');

function classifyIPv4(ip: IpAddress): AddressClass {
  return IPV4_RANGES.find(([cidr]) => inCidr(ip, cidr))?.[1] ?? 'public';
}

function classifyParsed(ip: IpAddress): AddressClass {
  if (ip.family === 4) return classifyIPv4(ip);
  const v6 = IPV6_RANGES.find(([cidr]) => inCidr(ip, cidr))?.[1];
  if (v6 !== undefined) return v6;
  if (inCidr(ip, MAPPED) || inCidr(ip, COMPATIBLE) || inCidr(ip, NAT64)) {
    const inner = classifyIPv4(embeddedIPv4(ip));
    // A mapped metadata address is still the metadata address.
    if (ALWAYS_REFUSED.has(inner)) return inner;
    return inCidr(ip, NAT64) && inner === 'public' ? 'public' : 'ipv4-mapped';
  }
  return 'public';
}

/**
 * The class of an IP literal (dotted-quad IPv4 or IPv6, brackets and zone allowed). A string that
 * is no IP literal is `reserved`: a caller that classifies must resolve and normalise first.
 */
export function classifyAddress(address: string): AddressClass {
  const ip = parseIp(address);
  return ip === undefined ? 'reserved' : classifyParsed(ip);
}
