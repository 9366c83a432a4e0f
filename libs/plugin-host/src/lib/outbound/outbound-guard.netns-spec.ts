import { networkInterfaces } from 'node:os';
import { connect } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { CheckRecorder } from '@stellaops/integrations-plugin-abstractions';
import type { LoopbackServer } from '../../../test-support/loopback-servers';
import {
  fakeResolver,
  selfSigned,
  startHttpServer,
  startHttpsServer,
} from '../../../test-support/loopback-servers';
import type { CallTiming } from './call-timing';
import type { Outbound, OutboundOptions } from './create-outbound';
import { createOutbound } from './create-outbound';
import { OutboundRefusedError } from './outbound-refused.error';

/**
 * The end-to-end guard, run by outbound-netns.int-spec.ts inside a network namespace that has
 * only `lo`: here a call may aim at any address, because nothing can leave (a broken guard would
 * meet ENETUNREACH, not another machine). The names in /etc/netns/<name>/hosts are the namespace's:
 * metadata.google.internal and localhost.test -> 127.0.0.1, gitlab.corp.test -> 10.1.2.3.
 */
const outbounds: Outbound[] = [];
const servers: LoopbackServer[] = [];

function outbound(options: Partial<OutboundOptions> & { calls?: CallTiming[] } = {}): Outbound {
  const { calls, ...rest } = options;
  const created = createOutbound({
    policy: { allowCidrs: [] },
    ...(calls === undefined ? {} : { onCall: (timing) => calls.push(timing) }),
    ...rest,
  });
  outbounds.push(created);
  return created;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

function rawConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

beforeAll(() => {
  const interfaces = Object.keys(networkInterfaces());
  if (interfaces.join(',') !== 'lo') {
    throw new Error(
      `this spec runs only in a loopback-only network namespace (interfaces here: ${interfaces.join(', ')})`,
    );
  }
});

afterEach(async () => {
  outbounds.splice(0).forEach((each) => each.destroy());
  await Promise.all(servers.splice(0).map((each) => each.close()));
});

describe('the outbound guard in a loopback-only namespace', () => {
  it('is in a namespace where nothing leaves: a raw socket to 10.1.2.3 cannot connect', async () => {
    expect(await rawConnect('10.1.2.3', 80)).toBe('ENETUNREACH');
  });

  it.each([
    ['http://10.1.2.3/', 'private'],
    ['http://172.16.5.4/', 'private'],
    ['http://192.168.0.10/', 'private'],
    ['http://100.64.1.1/', 'cgnat'],
    ['http://198.18.0.1/', 'benchmarking'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://[fd00:ec2::254]/', 'metadata'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://[fc00::1]/', 'unique-local'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://gitlab.corp.test/api/v4/version', 'private'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'metadata'],
  ])(
    'refuses %s (%s) through the system resolver and the real socket path',
    async (url, addressClass) => {
      const calls: CallTiming[] = [];
      const { fetch } = outbound({ calls });
      const error = await rejectionOf(fetch(url));
      expect(error).toBeInstanceOf(OutboundRefusedError);
      expect(error).toMatchObject({ addressClass });
      expect(CheckRecorder.start().fromError(error).phase).toBe('config');
      expect(calls).toEqual([expect.objectContaining({ refused: addressClass, address: null })]);
    },
  );

  it('connects to the checked public address, never to the loopback answer of a later lookup', async () => {
    const local = await startHttpServer((_request, response) => response.end('rebound'));
    servers.push(local);
    const resolver = fakeResolver({ 'rebind.test': [['1.1.1.1'], ['127.0.0.1']] });
    const calls: CallTiming[] = [];
    const { fetch } = outbound({ resolver, calls, policy: { allowCidrs: [] } });
    const error = await rejectionOf(fetch(`http://rebind.test:${local.port}/`));
    expect(CheckRecorder.start().fromError(error)).toMatchObject({
      phase: 'connect',
      details: { code: 'ENETUNREACH' },
    });
    expect(calls[0]).toMatchObject({ address: '1.1.1.1', error: 'ENETUNREACH' });
    expect(resolver.lookups).toEqual(['rebind.test']);
    expect(local.paths).toEqual([]);
  });

  it('refuses a redirect to the metadata address, and to loopback, in phase config', async () => {
    const local = await startHttpServer((request, response) => {
      response.writeHead(302, {
        location:
          request.url === '/metadata'
            ? 'http://169.254.169.254/latest/meta-data/iam/'
            : `http://127.0.0.2:${local.port}/admin`,
      });
      response.end();
    });
    servers.push(local);
    const calls: CallTiming[] = [];
    // The first hop is allowed; what the redirects point at is not.
    const { fetch } = outbound({ policy: { allowCidrs: ['127.0.0.1/32'] }, calls });
    const metadata = await rejectionOf(fetch(`http://127.0.0.1:${local.port}/metadata`));
    expect(metadata).toMatchObject({ addressClass: 'link-local' });
    expect(CheckRecorder.start().fromError(metadata).phase).toBe('config');
    const loopback = await rejectionOf(fetch(`http://127.0.0.1:${local.port}/loopback`));
    expect(loopback).toMatchObject({ addressClass: 'loopback', address: '127.0.0.2' });
    expect(CheckRecorder.start().fromError(loopback).phase).toBe('config');
    expect(local.paths).toEqual(['/metadata', '/loopback']);
    expect(calls.map((call) => call.status ?? call.refused)).toEqual([
      302,
      'link-local',
      302,
      'loopback',
    ]);
  });

  it('reaches a local server through a name mapped in the namespace once 127.0.0.1/32 is allowed', async () => {
    const local = await startHttpServer((_request, response) => response.end('on-prem'));
    servers.push(local);
    const calls: CallTiming[] = [];
    const { fetch } = outbound({ policy: { allowCidrs: ['127.0.0.1/32'] }, calls });
    expect(await (await fetch(`http://localhost.test:${local.port}/`)).text()).toBe('on-prem');
    expect(calls[0]).toMatchObject({ address: '127.0.0.1', status: 200 });
  });

  it("lets an SDK-style client use the host's https agent with the integration's CA", async () => {
    const certificate = await selfSigned('localhost.test');
    const registry = await startHttpsServer(certificate, (_request, response) =>
      response.end('v2'),
    );
    servers.push(registry);
    const { agents } = outbound({
      policy: { allowCidrs: ['127.0.0.1/32'] },
      tls: { ca: certificate.cert },
    });
    const body = await new Promise<string>((resolve, reject) => {
      httpsRequest(
        { host: 'localhost.test', port: registry.port, path: '/v2/', agent: agents.https },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve(text));
        },
      )
        .on('error', reject)
        .end();
    });
    expect(body).toBe('v2');
  });
});
