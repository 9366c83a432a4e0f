import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as its bytes: 4 for IPv4, 16 for IPv6. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

/** A CIDR block, e.g. `10.0.0.0/8` or `fc00::/7`. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly prefix: number;
  /** As the operator wrote it, for messages. */
  readonly text: string;
}

function parseIPv4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

function parseIPv6(text: string): Uint8Array {
  const bytes = new Uint8Array(16);
  let body = text;
  // A trailing dotted quad (`::ffff:127.0.0.1`) fills the last four bytes.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  let tail: number[] = [];
  if (dotted?.[1] !== undefined) {
    const v4 = parseIPv4(dotted[1]);
    tail = [((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0)];
    body = body.slice(0, -dotted[1].length);
    if (body.endsWith(':') && !body.endsWith('::')) body = body.slice(0, -1);
  }
  const [head = '', rest] = body.split('::');
  const words = (part: string | undefined): number[] =>
    part === undefined || part === '' ? [] : part.split(':').map((word) => parseInt(word, 16));
  const front = words(head);
  const back = [...words(rest), ...tail];
  const all =
    rest === undefined && !body.includes('::')
      ? [...front, ...tail]
      : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  all.forEach((word, index) => {
    bytes[index * 2] = word >> 8;
    bytes[index * 2 + 1] = word & 0xff;
  });
  return bytes;
}

/**
 * Parses a canonical IP literal (what `net.isIP` accepts; an IPv6 zone such as `%eth0` is dropped,
 * brackets too). Legacy IPv4 spellings are not IP literals here: `normaliseHost` turns them into
 * dotted quads first. Returns `undefined` for anything else.
 */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(bare)) return { family: 4, bytes: parseIPv4(bare) };
  if (isIPv6(bare)) return { family: 6, bytes: parseIPv6(bare) };
  return undefined;
}

/** Parses `a.b.c.d/n` or `x::/n` (a bare address is a /32 or /128); throws on anything else. */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const [address = '', prefixText, extra] = trimmed.split('/');
  const ip = parseIp(address);
  if (ip === undefined || extra !== undefined) {
    throw new Error(`'${trimmed}' is not a CIDR block (e.g. 10.0.0.0/8 or fd12::/16)`);
  }
  const max = ip.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max) {
    throw new Error(`'${trimmed}' has a prefix length outside 0-${max}`);
  }
  return { family: ip.family, bytes: ip.bytes, prefix, text: trimmed };
}

export function inCidr(ip: IpAddress, cidr: Cidr): boolean {
  if (ip.family !== cidr.family) return false;
  let bits = cidr.prefix;
  for (let index = 0; bits > 0; index++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((ip.bytes[index] ?? 0) & mask) !== ((cidr.bytes[index] ?? 0) & mask)) return false;
  }
  return true;
}

/** The IPv4 address inside an IPv6 one at bytes 12-15. */
export function embeddedIPv4(ip: IpAddress): IpAddress {
  return { family: 4, bytes: ip.bytes.slice(12, 16) };
}
