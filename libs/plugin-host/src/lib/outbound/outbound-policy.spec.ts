import type { AddressClass } from './classify-address';
import { classifyAddress } from './classify-address';
import { GuardedConnector } from './guarded-connection';
import type { OutboundPolicy } from './outbound-policy';
import { decideAddress, isAllowed, normaliseHost, parseAllowCidrs } from './outbound-policy';
import { OutboundRefusedError } from './outbound-refused.error';
import type { Resolver } from './resolver';

// No test here opens a socket: every decision is made on literals or through a fake resolver.
const closed: OutboundPolicy = { allowCidrs: [] };

/** A resolver that answers from a table and never asks the network. */
function fakeResolver(table: Record<string, string[]>): Resolver {
  return async (name) => {
    const answers = table[name];
    if (answers === undefined) {
      throw Object.assign(new Error(`fake resolver: ${name}`), { code: 'ENOTFOUND' });
    }
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

async function refusalOf(
  host: string,
  resolver: Resolver = fakeResolver({}),
  policy = closed,
): Promise<OutboundRefusedError> {
  const connector = new GuardedConnector(policy, resolver, {});
  const error = await connector.check(host).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof OutboundRefusedError)) {
    throw new Error(`expected ${host} to be refused, got ${String(error)}`);
  }
  return error;
}

// [how it is spelled, the class it must be refused as]
const refusedForms: [string, AddressClass][] = [
  ['127.0.0.1', 'loopback'],
  ['127.1', 'loopback'],
  ['2130706433', 'loopback'],
  ['0x7f000001', 'loopback'],
  ['0x7f.0x0.0x0.0x1', 'loopback'],
  ['0177.0.0.1', 'loopback'],
  ['017700000001', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['[::1]', 'loopback'],
  ['::1', 'loopback'],
  ['[0:0:0:0:0:0:0:1]', 'loopback'],
  ['[::ffff:127.0.0.1]', 'ipv4-mapped'],
  ['[::ffff:7f00:1]', 'ipv4-mapped'],
  ['[::127.0.0.1]', 'ipv4-mapped'],
  ['[::ffff:10.0.0.1]', 'ipv4-mapped'],
  ['169.254.169.254', 'link-local'],
  ['2852039166', 'link-local'],
  ['0xa9fea9fe', 'link-local'],
  ['169.254.0.1', 'link-local'],
  ['[::ffff:169.254.169.254]', 'link-local'],
  ['[64:ff9b::169.254.169.254]', 'link-local'],
  ['[fd00:ec2::254]', 'metadata'],
  ['metadata.google.internal', 'metadata'],
  ['METADATA.Google.Internal.', 'metadata'],
  ['metadata', 'metadata'],
  ['instance-data.ec2.internal', 'metadata'],
  ['100.100.100.200', 'metadata'],
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['012.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['3232235777', 'private'],
  ['100.64.0.1', 'cgnat'],
  ['100.127.255.254', 'cgnat'],
  ['198.18.0.1', 'benchmarking'],
  ['198.19.255.255', 'benchmarking'],
  ['[fc00::1]', 'unique-local'],
  ['[fd12:3456::1]', 'unique-local'],
  ['[fe80::1]', 'link-local'],
  ['[febf::1]', 'link-local'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['[ff02::1]', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['0.0.0.0', 'unspecified'],
  ['0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['[::]', 'unspecified'],
  ['192.0.2.1', 'reserved'],
  ['240.0.0.1', 'reserved'],
];

describe('the outbound policy', () => {
  it.each(refusedForms)('refuses %s as %s', async (host, addressClass) => {
    const refusal = await refusalOf(host);
    expect(refusal.addressClass).toBe(addressClass);
    expect(refusal.code).toBe('ERR_OUTBOUND_REFUSED');
    expect(refusal.phase).toBe('config');
  });

  it('covers at least 30 refused forms', () => {
    expect(refusedForms.length).toBeGreaterThanOrEqual(30);
  });

  it.each([
    ['intranet.example', ['10.1.2.3'], 'private'],
    ['gitlab.corp.example', ['192.168.10.20'], 'private'],
    ['sneaky.example', ['93.184.216.34', '127.0.0.1'], 'loopback'],
    ['mapped.example', ['::ffff:127.0.0.1'], 'ipv4-mapped'],
    ['imds.example', ['169.254.169.254'], 'link-local'],
    ['v6.example', ['fd00:ec2::254'], 'metadata'],
  ])('refuses a name that resolves inside: %s -> %s', async (name, answers, addressClass) => {
    const refusal = await refusalOf(name, fakeResolver({ [name]: answers }));
    expect(refusal.addressClass).toBe(addressClass);
  });

  it('refuses a resolver answer that is no IP address', async () => {
    const refusal = await refusalOf('odd.example', fakeResolver({ 'odd.example': ['localhost'] }));
    expect(refusal.addressClass).toBe('reserved');
  });

  it('refuses a host option that hides another host behind userinfo or a path', async () => {
    expect((await refusalOf('example.com@127.0.0.1')).addressClass).toBe('reserved');
    expect((await refusalOf('example.com/x')).addressClass).toBe('reserved');
  });

  it('lets public names and addresses through, every resolved address checked', async () => {
    const connector = new GuardedConnector(
      closed,
      fakeResolver({ 'api.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] }),
      {},
    );
    await expect(connector.check('api.example')).resolves.toEqual({
      name: 'api.example',
      addresses: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
      ],
    });
    await expect(connector.check('8.8.8.8')).resolves.toEqual({
      addresses: [{ address: '8.8.8.8', family: 4 }],
    });
  });

  it('opens exactly the allowed blocks, for every spelling of an address in them', async () => {
    const policy: OutboundPolicy = { allowCidrs: parseAllowCidrs('10.20.0.0/16, 127.0.0.1/32') };
    expect(isAllowed('10.20.3.4', policy)).toBe(true);
    expect(isAllowed('10.21.0.1', policy)).toBe(false);
    expect(isAllowed('127.0.0.1', policy)).toBe(true);
    expect(isAllowed('127.0.0.2', policy)).toBe(false);
    const connector = new GuardedConnector(policy, fakeResolver({}), {});
    await expect(connector.check('0x7f000001')).resolves.toMatchObject({
      addresses: [{ address: '127.0.0.1' }],
    });
    await expect(connector.check('2130706433')).resolves.toMatchObject({
      addresses: [{ address: '127.0.0.1' }],
    });
  });

  it('never opens link-local or metadata addresses, whatever the allow-list says', async () => {
    const everything: OutboundPolicy = { allowCidrs: ['0.0.0.0/0', '::/0'] };
    expect(decideAddress('169.254.169.254', everything)).toEqual({
      address: '169.254.169.254',
      addressClass: 'link-local',
      allowed: false,
    });
    expect(isAllowed('fd00:ec2::254', everything)).toBe(false);
    expect(isAllowed('100.100.100.200', everything)).toBe(false);
    expect(isAllowed('10.0.0.1', everything)).toBe(true);
    expect(
      (await refusalOf('metadata.google.internal', fakeResolver({}), everything)).allowable,
    ).toBe(false);
  });

  it('names the class and the variable that would allow it, or says it never can be', async () => {
    const privateRefusal = await refusalOf('git.corp', fakeResolver({ 'git.corp': ['10.9.8.7'] }));
    expect(privateRefusal.message).toBe(
      'the outbound policy refused a connection to git.corp (10.9.8.7): a private (RFC 1918) address; set OUTBOUND_ALLOW_CIDRS (comma-separated CIDRs, e.g. 10.9.8.7/32) to allow it',
    );
    expect(privateRefusal.allowable).toBe(true);
    const metadata = await refusalOf('169.254.169.254');
    expect(metadata.message).toContain('which is always refused');
    expect(metadata.message).not.toContain('OUTBOUND_ALLOW_CIDRS');
  });

  it('reads WHATWG host spellings as the network would', () => {
    expect(normaliseHost('0x7f.1')).toEqual({ kind: 'ip', address: '127.0.0.1' });
    expect(normaliseHost('[::FFFF:127.0.0.1]')).toEqual({ kind: 'ip', address: '::ffff:7f00:1' });
    expect(normaliseHost('Git.Example.COM.')).toEqual({ kind: 'name', name: 'git.example.com' });
    expect(classifyAddress('not-an-ip')).toBe('reserved');
  });

  it('refuses a malformed allow-list entry with the entry in the message', () => {
    expect(() => parseAllowCidrs('10.0.0.0/8,10.0.0.0/33')).toThrow("'10.0.0.0/33'");
    expect(() => parseAllowCidrs('intranet')).toThrow("'intranet' is not a CIDR block");
    expect(parseAllowCidrs(' 10.0.0.0/8 ,, fd00::/8 ')).toEqual(['10.0.0.0/8', 'fd00::/8']);
  });
});
