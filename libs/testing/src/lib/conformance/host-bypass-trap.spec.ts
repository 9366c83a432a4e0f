import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { startHttpServer } from '../servers/start-http-server';
import { startTcpServer } from '../servers/start-tcp-server';
import type { TestTcpServer } from '../servers/start-tcp-server';
import { respondJson } from '../servers/test-server';
import { asHostFunction, HostBypassError, HostBypassTrap } from './host-bypass-trap';
import { kitAgents } from './kit-agents';

/** Every function the trap replaces, to check that each is put back. */
function trappedFunctions(): unknown[] {
  return [
    globalThis.fetch,
    http.request,
    http.get,
    https.request,
    https.get,
    net.connect,
    net.createConnection,
    tls.connect,
    net.Socket.prototype.connect,
    dns.lookup,
    dns.resolve4,
    dns.promises.lookup,
    dns.promises.resolve,
    dns.Resolver.prototype.resolve4,
  ];
}

async function settle(body: () => unknown): Promise<unknown> {
  try {
    return await body();
  } catch (error) {
    return error;
  }
}

/** The status of a GET with `http.get`, or with `http.request` and `end()`. */
function get(how: 'get' | 'request', url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http[how](url, { agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('HostBypassTrap', () => {
  let recorder: TestTcpServer;
  const agents = kitAgents();

  beforeAll(async () => {
    recorder = await startTcpServer((socket) => socket.destroy());
  });
  afterAll(async () => {
    agents.destroy();
    await recorder.close();
  });

  it.each<[string, (server: TestTcpServer) => unknown, RegExp]>([
    [
      'the global fetch',
      (server) => globalThis.fetch(`${server.url}/v2/`),
      /^the plugin called the global fetch for http:\/\/127\.0\.0\.1:\d+\/v2\/: use host\.fetch$/,
    ],
    [
      'https.request without an agent',
      (server) => https.request(`https://127.0.0.1:${server.port}/`).end(),
      /^the plugin called https\.request for https:\/\/127\.0\.0\.1:\d+\/ without one of the host's agents: pass agent: host\.agents\.https, or use host\.fetch$/,
    ],
    [
      'http.get with agent: false',
      (server) => http.get({ host: '127.0.0.1', port: server.port, path: '/x', agent: false }),
      /^the plugin called http\.get for http:\/\/127\.0\.0\.1:\d+\/x with agent: false, which opens/,
    ],
    [
      'http.request with an agent of its own',
      (server) => http.request(server.url, { agent: new http.Agent() }).end(),
      /^the plugin called http\.request for .* with an agent that is not one of the host's/,
    ],
    [
      'net.connect',
      (server) => net.connect(server.port, '127.0.0.1'),
      /^the plugin called net\.connect to 127\.0\.0\.1:\d+: connect through host\.fetch or host\.agents$/,
    ],
    [
      'net.createConnection',
      (server) => net.createConnection({ host: '127.0.0.1', port: server.port }),
      /^the plugin called net\.createConnection to 127\.0\.0\.1:\d+/,
    ],
    [
      'tls.connect',
      (server) => tls.connect({ host: '127.0.0.1', port: server.port }),
      /^the plugin called tls\.connect to 127\.0\.0\.1:\d+/,
    ],
    [
      'a socket of its own',
      (server) => new net.Socket().connect(server.port, '127.0.0.1'),
      /^the plugin called net\.Socket#connect to 127\.0\.0\.1:\d+/,
    ],
    [
      'dns.lookup',
      () => dns.lookup('127.0.0.1', () => undefined),
      /^the plugin called dns\.lookup for 127\.0\.0\.1: the host resolves names itself/,
    ],
    [
      'dns.promises.lookup',
      () => dns.promises.lookup('127.0.0.1'),
      /^the plugin called dns\.promises\.lookup for 127\.0\.0\.1/,
    ],
    [
      'dns.resolve4',
      () => dns.resolve4('localhost', () => undefined),
      /^the plugin called dns\.resolve4 for localhost/,
    ],
    [
      'a resolver of its own',
      () => new dns.promises.Resolver().resolveTxt('localhost'),
      /^the plugin called dns\.promises\.Resolver#resolveTxt for localhost/,
    ],
  ])('refuses %s without calling it, and names it', async (_name, bypass, expected) => {
    const before = recorder.connectionCount;
    const originals = trappedFunctions();
    const trap = HostBypassTrap.open(agents);
    let outcome: unknown;
    try {
      outcome = await trap.run(() => settle(() => bypass(recorder)));
    } finally {
      trap.close();
    }

    expect(outcome).toBeInstanceOf(HostBypassError);
    expect(outcome).toMatchObject({ code: 'ERR_HOST_BYPASS' });
    expect(trap.bypasses).toEqual([expect.stringMatching(expected)]);
    expect(trappedFunctions()).toEqual(originals);
    // Give a connection that got through the time to be accepted.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(recorder.connectionCount).toBe(before);
  });

  it('refuses, when it connects, a request function the plugin took before the trap was set', async () => {
    const takenEarly = http.request;
    const before = recorder.connectionCount;
    const trap = HostBypassTrap.open(agents);
    let outcome: unknown;
    try {
      outcome = await trap.run(() => settle(() => takenEarly(recorder.url).end()));
    } finally {
      trap.close();
    }

    expect(outcome).toBeInstanceOf(HostBypassError);
    expect(trap.bypasses).toEqual([
      expect.stringMatching(
        /^the plugin called net\.(createConnection|Socket#connect) to 127\.0\.0\.1:\d+/,
      ),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(recorder.connectionCount).toBe(before);
  });

  it('never calls the real function: a spy behind the trap sees nothing', async () => {
    const lookup = jest.spyOn(dns, 'lookup');
    const connect = jest.spyOn(net, 'connect');
    try {
      const trap = HostBypassTrap.open(agents);
      try {
        await trap.run(() =>
          settle(() => {
            dns.lookup('localhost', () => undefined);
          }),
        );
        await trap.run(() => settle(() => net.connect(recorder.port, '127.0.0.1')));
      } finally {
        trap.close();
      }
      expect(trap.bypasses).toHaveLength(2);
      expect(lookup).not.toHaveBeenCalled();
      expect(connect).not.toHaveBeenCalled();
      // The spies, not the trap, are in place again.
      expect(jest.isMockFunction(dns.lookup)).toBe(true);
    } finally {
      lookup.mockRestore();
      connect.mockRestore();
    }
  });

  it("lets the host's fetch and the host's agents through, and what they do inside", async () => {
    const server = await startHttpServer((_request, response) => respondJson(response, 200, {}));
    const hostFetch = asHostFunction((input: string) => globalThis.fetch(input));
    const trap = HostBypassTrap.open(agents);
    try {
      const statuses = await trap.run(async () => [
        (await hostFetch(`${server.url}/fetch`)).status,
        await get('get', `${server.url}/agent`, agents.http),
        await get('request', `${server.url}/request`, agents.http),
      ]);
      expect(statuses).toEqual([200, 200, 200]);
      expect(trap.bypasses).toEqual([]);
    } finally {
      trap.close();
      await server.close();
    }
  });

  it('traps only the code it runs: the kit and the test framework call through', async () => {
    const trap = HostBypassTrap.open(agents);
    try {
      const addresses = await dns.promises.lookup('127.0.0.1');
      expect(addresses).toMatchObject({ address: '127.0.0.1' });
    } finally {
      trap.close();
    }
    expect(trap.bypasses).toEqual([]);
  });

  it('stays set until the last of two open traps closes, then restores the originals', () => {
    const originals = trappedFunctions();
    const first = HostBypassTrap.open(agents);
    const second = HostBypassTrap.open(undefined);
    first.close();
    first.close();
    expect(globalThis.fetch).not.toBe(originals[0]);
    second.close();
    expect(trappedFunctions()).toEqual(originals);
    expect(Object.prototype.hasOwnProperty.call(agents.http, 'createConnection')).toBe(false);
  });

  it('refuses a bypass made from inside a response the host delivered', async () => {
    const server = await startHttpServer((_request, response) => respondJson(response, 200, {}));
    const trap = HostBypassTrap.open(agents);
    try {
      const outcome = await trap.run(
        () =>
          new Promise<unknown>((resolve) => {
            http
              .get(`${server.url}/`, { agent: agents.http }, (response) => {
                response.resume();
                response.on('end', () => resolve(settle(() => globalThis.fetch(server.url))));
              })
              .on('error', resolve);
          }),
      );
      expect(outcome).toBeInstanceOf(HostBypassError);
    } finally {
      trap.close();
      await server.close();
    }
  });
});
