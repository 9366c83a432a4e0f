import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type {
  CheckResult,
  IntegrationConfig,
  IntegrationConnectorPlugin,
  PluginManifest,
} from '@stellaops/integrations-plugin-abstractions';
import {
  CONTRACT_VERSION,
  ProviderError,
  guardCheck,
  systemClock,
} from '@stellaops/integrations-plugin-abstractions';
import { startTcpServer } from '../servers/start-tcp-server';
import { respondJson } from '../servers/test-server';
import type { ConformanceCheckResult } from './conformance-check-result';
import type { ConformanceOptions } from './conformance-options';
import { ConformanceSuite } from './conformance-suite';
import { describeConnectorConformance } from './describe-connector-conformance';
import { runConformanceChecks } from './run-conformance-checks';

const manifest: PluginManifest = {
  displayName: 'Sample ping',
  contractVersion: CONTRACT_VERSION,
  settingsSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: { apiPath: { type: 'string', pattern: '^/' } },
    additionalProperties: false,
  },
  credentialSlots: [{ name: 'token', description: 'API token', required: true }],
  requiredScopes: ['read:api'],
  capabilities: ['test-connection', 'health-check'],
};

/**
 * What a plugin author is expected to write: every failure goes through guardCheck, HTTP errors
 * through ProviderError.fromResponse, and the secret only into the request header.
 */
class SamplePingPlugin implements IntegrationConnectorPlugin {
  readonly name: string = 'sample-ping';
  readonly type: string = 'ci';
  readonly provider: string = 'sample-ping';
  readonly manifest: PluginManifest = manifest;

  isAvailable(): boolean {
    return true;
  }

  testConnection(config: IntegrationConfig, signal: AbortSignal): Promise<CheckResult> {
    return this.ping(config, signal);
  }

  checkHealth(config: IntegrationConfig, signal: AbortSignal): Promise<CheckResult> {
    return this.ping(config, signal);
  }

  protected ping(config: IntegrationConfig, signal: AbortSignal): Promise<CheckResult> {
    return guardCheck(config.host, signal, async (inner, check) => {
      const token = await config.secrets.get('token', inner);
      const path =
        typeof config.settings['apiPath'] === 'string' ? config.settings['apiPath'] : '/ping';
      config.host.logger.debug('sample-ping: calling the provider', { path });
      const response = await config.host.fetch(new URL(path, config.endpoint), {
        headers: { authorization: `Bearer ${token}` },
        signal: inner,
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw ProviderError.fromResponse(response, 'ping');
      }
      const body = (await response.json()) as { version?: unknown };
      return check.healthy('the provider answered', {
        version: typeof body.version === 'string' ? body.version : null,
      });
    });
  }
}

/** Lets fetch failures escape: a rejected promise instead of a result. */
class ThrowingPlugin extends SamplePingPlugin {
  protected override async ping(config: IntegrationConfig): Promise<CheckResult> {
    const response = await config.host.fetch(config.endpoint);
    return {
      success: response.ok,
      status: response.ok ? 'healthy' : 'unhealthy',
      message: `HTTP ${response.status}`,
      durationMs: 0,
      checkedAt: new Date().toISOString(),
      isTransient: false,
      phase: response.ok ? null : 'api',
      details: {},
    };
  }
}

/** Ignores its signal and never settles. */
class HangingPlugin extends SamplePingPlugin {
  protected override ping(): Promise<CheckResult> {
    return new Promise<CheckResult>(() => undefined);
  }
}

/** Well-behaved on the wire, but repeats the credential in its message and its log. */
class LeakyPlugin extends SamplePingPlugin {
  protected override async ping(
    config: IntegrationConfig,
    signal: AbortSignal,
  ): Promise<CheckResult> {
    const token = await config.secrets.get('token');
    config.host.logger.info('sample-ping: calling', { authorization: `Bearer ${token}` });
    const result = await super.ping(config, signal);
    return { ...result, message: `${result.message} (token ${token})` };
  }
}

/** Calls every HTTP error a transient API failure: a 401 would be retried forever. */
class MisclassifyingPlugin extends SamplePingPlugin {
  protected override ping(config: IntegrationConfig, signal: AbortSignal): Promise<CheckResult> {
    return guardCheck(config.host, signal, async (inner, check) => {
      const response = await config.host.fetch(config.endpoint, { signal: inner });
      await response.body?.cancel();
      if (!response.ok)
        throw new ProviderError('the provider failed', { phase: 'api', isTransient: true });
      return check.healthy('ok');
    });
  }
}

/** Waits for its own timer whatever the signal says, then answers. */
class SignalIgnoringPlugin extends SamplePingPlugin {
  protected override ping(config: IntegrationConfig): Promise<CheckResult> {
    return new Promise((resolve) =>
      setTimeout(
        () =>
          resolve({
            success: false,
            status: 'unhealthy',
            message: 'gave up',
            durationMs: 800,
            checkedAt: systemClock.now().toISOString(),
            isTransient: true,
            phase: 'connect',
            details: {},
          }),
        Math.min(config.host.timeoutMs, 800),
      ),
    );
  }
}

/** Answers a shape the service cannot store. */
class MalformedResultPlugin extends SamplePingPlugin {
  protected override async ping(): Promise<CheckResult> {
    return { success: 'yes', status: 'fine', checkedAt: 'yesterday' } as unknown as CheckResult;
  }
}

class BadManifestPlugin extends SamplePingPlugin {
  override readonly manifest: PluginManifest = {
    displayName: ' ',
    contractVersion: '2.0',
    settingsSchema: { type: 'object', properties: { port: { type: 'port-number' } } },
    credentialSlots: [
      { name: 'token', description: 'a', required: true },
      { name: 'token', description: 'b', required: false },
    ],
    requiredScopes: [],
    capabilities: ['test-connection', 'registry'],
  };
}

class UnstablePlugin extends SamplePingPlugin {
  constructor() {
    super();
    let reads = 0;
    Object.defineProperty(this, 'type', { get: () => `ci-${++reads}` });
  }
}

/** Goes around its host in one way, inside guardCheck, so that it still answers a result. */
class BypassingPlugin extends SamplePingPlugin {
  constructor(private readonly bypass: (endpoint: URL) => Promise<unknown>) {
    super();
  }

  protected override ping(config: IntegrationConfig, signal: AbortSignal): Promise<CheckResult> {
    return guardCheck(config.host, signal, async (_inner, check) => {
      await this.bypass(new URL(config.endpoint));
      return check.healthy('reached it');
    });
  }
}

/** Resolves when the request gets an answer, rejects when it fails or throws. */
function sent(start: () => http.ClientRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = start();
    request.on('response', (response) => response.resume().on('end', resolve));
    request.on('error', reject);
    request.end();
  });
}

const bypasses: Array<[string, (endpoint: URL) => Promise<unknown>, RegExp]> = [
  [
    'the global fetch',
    (endpoint) => globalThis.fetch(endpoint),
    /^the plugin called the global fetch for http:\/\/127\.0\.0\.1:\d+\/: use host\.fetch$/,
  ],
  [
    'https.request without an agent',
    (endpoint) => sent(() => https.request(`https://${endpoint.host}/v2/`)),
    /^the plugin called https\.request for https:\/\/127\.0\.0\.1:\d+\/v2\/ without one of the host's agents: pass agent: host\.agents\.https, or use host\.fetch$/,
  ],
  [
    'net.connect',
    (endpoint) =>
      new Promise((resolve, reject) =>
        net
          .connect(Number(endpoint.port), endpoint.hostname, () => resolve(undefined))
          .on('error', reject),
      ),
    /^the plugin called net\.connect to 127\.0\.0\.1:\d+: connect through host\.fetch or host\.agents$/,
  ],
  [
    'dns.lookup',
    (endpoint) =>
      new Promise((resolve, reject) =>
        dns.lookup(endpoint.hostname, (error, address) =>
          error === null ? resolve(address) : reject(error),
        ),
      ),
    /^the plugin called dns\.lookup for 127\.0\.0\.1: the host resolves names itself when it connects/,
  ],
];

/** An SDK-style client on the host's agent: what a plugin around an AWS or Azure SDK does. */
class AgentPlugin extends SamplePingPlugin {
  protected override ping(config: IntegrationConfig, signal: AbortSignal): Promise<CheckResult> {
    return guardCheck(config.host, signal, async (inner, check) => {
      const status = await new Promise<number>((resolve, reject) => {
        const request = http.request(config.endpoint, {
          agent: config.host.agents.http,
          signal: inner,
        });
        request.on('response', (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on('error', reject);
        request.end();
      });
      if (status >= 400)
        throw new ProviderError(`HTTP ${status}`, { phase: 'api', isTransient: false });
      return check.healthy('the provider answered');
    });
  }
}

/** Small timeouts keep each scenario's wait, and this spec, short. */
const fast: ConformanceOptions = { timeoutMs: 400, graceMs: 250, abortGraceMs: 300 };

function verdict(
  verdicts: readonly ConformanceCheckResult[],
  check: string,
): ConformanceCheckResult {
  const found = verdicts.find((candidate) => candidate.check === check);
  if (found === undefined) throw new Error(`no verdict '${check}' among ${verdicts.length}`);
  return found;
}

function failures(verdicts: readonly ConformanceCheckResult[]): string[] {
  return verdicts.filter((candidate) => !candidate.passed).map((candidate) => candidate.check);
}

describe('runConformanceChecks', () => {
  it('passes a fetch-based plugin that follows the contract, in every scenario', async () => {
    const verdicts = await runConformanceChecks(new SamplePingPlugin(), {
      ...fast,
      successCases: [
        {
          name: 'the provider answers its version',
          handler: (request, response) =>
            request.headers.authorization?.startsWith('Bearer stellaops-canary-')
              ? respondJson(response, 200, { version: '1.2.3' })
              : respondJson(response, 401, {}),
        },
      ],
      failureCases: [
        {
          name: 'the token store is down',
          failingSecrets: ['token'],
          expect: { phase: 'auth', isTransient: true },
        },
      ],
    });

    expect(failures(verdicts)).toEqual([]);
    // Every scenario ran for both operations: 13 scenarios, 2 aborts, 2 cases.
    const cases = new Set(
      verdicts.map((candidate) => candidate.check.split(' › ').slice(0, 2).join(' › ')),
    );
    expect([...cases].filter((name) => name.startsWith('testConnection'))).toHaveLength(17);
    expect([...cases].filter((name) => name.startsWith('checkHealth'))).toHaveLength(17);
    expect(
      verdict(verdicts, "testConnection › HTTP 401 (credentials refused) › reports phase 'auth'")
        .passed,
    ).toBe(true);
  }, 30_000);

  it('fails a plugin that rejects when the connection is refused', async () => {
    const verdicts = await runConformanceChecks(new ThrowingPlugin(), {
      ...fast,
      scenarios: ['connection-refused', 'http-401'],
    });

    const rejected = verdict(
      verdicts,
      'testConnection › connection refused › resolves instead of throwing or rejecting',
    );
    expect(rejected).toMatchObject({
      passed: false,
      reason: expect.stringMatching(/^rejected with TypeError/),
    });
    expect(
      verdict(verdicts, 'checkHealth › connection refused › returns a well-formed CheckResult')
        .passed,
    ).toBe(false);
    // It does answer the 401, but as an API failure rather than an authentication one.
    expect(
      verdict(verdicts, "testConnection › HTTP 401 (credentials refused) › reports phase 'auth'"),
    ).toMatchObject({
      passed: false,
      reason: "reported phase 'api'",
    });
  }, 30_000);

  it('fails a plugin that ignores its signal and never settles, without hanging itself', async () => {
    const startedAt = Date.now();
    const verdicts = await runConformanceChecks(new HangingPlugin(), {
      ...fast,
      scenarios: ['connection-refused'],
    });

    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(
      verdict(
        verdicts,
        'testConnection › connection refused › settles within its timeout (400 ms + 250 ms grace)',
      ),
    ).toMatchObject({
      passed: false,
      reason: expect.stringMatching(/^still pending after \d+ ms$/),
    });
    expect(
      verdict(
        verdicts,
        'checkHealth › its signal fires while the call is under way › settles within 300 ms of its signal firing',
      ).passed,
    ).toBe(false);
    expect(
      verdict(
        verdicts,
        'checkHealth › its signal has fired before the call › settles within 300 ms when its signal has already fired',
      ).passed,
    ).toBe(false);
  }, 30_000);

  it('fails a plugin that answers only after its own timer when it is aborted', async () => {
    const verdicts = await runConformanceChecks(new SignalIgnoringPlugin(), {
      ...fast,
      timeoutMs: 1500,
      scenarios: [],
    });

    expect(failures(verdicts)).toEqual(
      expect.arrayContaining([
        'testConnection › its signal fires while the call is under way › settles within 300 ms of its signal firing',
        'testConnection › its signal has fired before the call › settles within 300 ms when its signal has already fired',
      ]),
    );
  }, 30_000);

  it('finds the canary in a result message and in log fields, and does not repeat it', async () => {
    const canary = 'canary-value-0123456789';
    const verdicts = await runConformanceChecks(new LeakyPlugin(), {
      ...fast,
      canary,
      scenarios: ['http-401'],
    });

    const inResult = verdict(
      verdicts,
      'testConnection › HTTP 401 (credentials refused) › keeps secrets out of the result',
    );
    const inLog = verdict(
      verdicts,
      'testConnection › HTTP 401 (credentials refused) › keeps secrets out of the log',
    );
    expect(inResult).toMatchObject({ passed: false, reason: 'a secret is in result.message' });
    expect(inLog).toMatchObject({
      passed: false,
      reason: 'a secret is in entry 0 (info) fields.authorization',
    });
    expect(JSON.stringify(verdicts)).not.toContain(canary);
  }, 30_000);

  it('searches for the values given in options.secrets as well as the canary', async () => {
    const verdicts = await runConformanceChecks(new LeakyPlugin(), {
      ...fast,
      secrets: { token: 'a-real-looking-token' },
      scenarios: ['http-403'],
    });

    expect(
      verdict(
        verdicts,
        'checkHealth › HTTP 403 (permission missing) › keeps secrets out of the result',
      ).passed,
    ).toBe(false);
  }, 30_000);

  it('fails a plugin that calls 401 and 403 transient API failures', async () => {
    const verdicts = await runConformanceChecks(new MisclassifyingPlugin(), {
      ...fast,
      scenarios: ['http-401', 'http-403', 'http-503'],
    });

    expect(failures(verdicts)).toEqual([
      "testConnection › HTTP 401 (credentials refused) › reports phase 'auth'",
      'testConnection › HTTP 401 (credentials refused) › reports isTransient false',
      "testConnection › HTTP 403 (permission missing) › reports phase 'authorization'",
      'testConnection › HTTP 403 (permission missing) › reports isTransient false',
      "checkHealth › HTTP 401 (credentials refused) › reports phase 'auth'",
      'checkHealth › HTTP 401 (credentials refused) › reports isTransient false',
      "checkHealth › HTTP 403 (permission missing) › reports phase 'authorization'",
      'checkHealth › HTTP 403 (permission missing) › reports isTransient false',
    ]);
  }, 30_000);

  it('fails a result the service could not store', async () => {
    const verdicts = await runConformanceChecks(new MalformedResultPlugin(), {
      ...fast,
      scenarios: ['http-500'],
    });

    expect(
      verdict(
        verdicts,
        'testConnection › HTTP 500 (server error) › returns a well-formed CheckResult',
      ).reason,
    ).toMatch(
      /success is not a boolean; status 'fine' is not one of HealthStatuses; .*checkedAt 'yesterday'/,
    );
  }, 30_000);

  it('fails an inconsistent manifest, naming each problem', async () => {
    const verdicts = await runConformanceChecks(new BadManifestPlugin(), {
      ...fast,
      scenarios: [],
    });

    expect(failures(verdicts).filter((check) => check.startsWith('plugin'))).toEqual([
      'plugin › manifest › displayName is a non-empty string',
      `plugin › manifest › contractVersion is compatible with ${CONTRACT_VERSION}`,
      'plugin › settings schema › settingsSchema is a supported JSON Schema that compiles',
      'plugin › credential slots › credential slot names are non-empty and unique',
      "plugin › capabilities › createRegistryConnector is present exactly when 'registry' is declared",
    ]);
    expect(
      verdict(
        verdicts,
        'plugin › credential slots › credential slot names are non-empty and unique',
      ).reason,
    ).toBe('credential slot names are duplicated: token');
  }, 30_000);

  it.each([
    ['draft-07', { $schema: 'http://json-schema.org/draft-07/schema#' }],
    ['2019-09', { $schema: 'https://json-schema.org/draft/2019-09/schema' }],
    ['2020-12', { $schema: 'https://json-schema.org/draft/2020-12/schema' }],
    ['no $schema (2020-12)', {}],
  ])(
    'passes the plugin checks with a %s settings schema',
    async (_dialect, declared) => {
      const plugin = new SamplePingPlugin();
      Object.defineProperty(plugin, 'manifest', {
        value: {
          ...manifest,
          settingsSchema: {
            ...declared,
            type: 'object',
            properties: { apiPath: { type: 'string', pattern: '^/' } },
            dependentRequired: { apiPath: [] },
          },
        },
      });
      const verdicts = await runConformanceChecks(plugin, { ...fast, scenarios: [] });

      expect(failures(verdicts)).toEqual([]);
    },
    30_000,
  );

  it('fails a settings schema of a dialect no host supports', async () => {
    const plugin = new SamplePingPlugin();
    Object.defineProperty(plugin, 'manifest', {
      value: {
        ...manifest,
        settingsSchema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' },
      },
    });
    const verdicts = await runConformanceChecks(plugin, { ...fast, scenarios: [] });

    expect(
      verdict(
        verdicts,
        'plugin › settings schema › settingsSchema is a supported JSON Schema that compiles',
      ).reason,
    ).toMatch(/draft-04.* is not a supported dialect/);
  }, 30_000);

  it('fails a type that changes between reads', async () => {
    const verdicts = await runConformanceChecks(new UnstablePlugin(), { ...fast, scenarios: [] });

    expect(verdict(verdicts, 'plugin › identity › type is the same on every read')).toMatchObject({
      passed: false,
      reason: expect.stringContaining('changed between reads'),
    });
  }, 30_000);

  it('fails settings the schema refuses, and a failure case whose expectation is not met', async () => {
    const verdicts = await runConformanceChecks(new SamplePingPlugin(), {
      ...fast,
      scenarios: [],
      settings: { apiPath: 'no-leading-slash' },
      failureCases: [
        { name: 'a healthy endpoint', operations: ['checkHealth'], expect: { phase: 'auth' } },
      ],
    });

    expect(
      verdict(
        verdicts,
        'plugin › settings schema › the settings the kit uses satisfy settingsSchema',
      ).reason,
    ).toMatch(/^\/apiPath must match pattern/);
    expect(
      verdict(verdicts, 'checkHealth › failure case: a healthy endpoint › does not report success')
        .passed,
    ).toBe(false);
    expect(
      verdicts.some((candidate) => candidate.check.startsWith('testConnection › failure case')),
    ).toBe(false);
  }, 30_000);

  describe.each(bypasses)('a plugin that uses %s', (_name, bypass, reason) => {
    it('fails the through-the-host check of every call, naming the call, and connects nowhere', async () => {
      const recorder = await startTcpServer((socket) => socket.destroy());
      const originals = [globalThis.fetch, https.request, net.connect, dns.lookup];
      let verdicts: ConformanceCheckResult[];
      try {
        verdicts = await runConformanceChecks(new BypassingPlugin(bypass), {
          ...fast,
          scenarios: ['http-401'],
          // Every call, the aborted ones included, is pointed at the recorder.
          makeConfig: ({ defaults }) => ({ ...defaults, endpoint: recorder.url }),
        });
      } finally {
        await recorder.close();
      }

      const throughHost = verdicts.filter((candidate) =>
        candidate.check.endsWith(' › makes its network calls through the host'),
      );
      // guardCheck answers a call whose signal has already fired without running its body.
      const ran = throughHost.filter(
        (candidate) => !candidate.check.includes('its signal has fired before the call'),
      );
      expect(ran).toHaveLength(4);
      for (const candidate of ran)
        expect(candidate).toMatchObject({ passed: false, reason: expect.stringMatching(reason) });
      expect(throughHost.filter((candidate) => !ran.includes(candidate))).toEqual([
        expect.objectContaining({ passed: true }),
        expect.objectContaining({ passed: true }),
      ]);
      expect(recorder.connectionCount).toBe(0);
      expect([globalThis.fetch, https.request, net.connect, dns.lookup]).toEqual(originals);
    }, 30_000);
  });

  it('restores the originals after a plugin that goes around the host and then hangs or throws', async () => {
    const originals = [globalThis.fetch, http.request, net.connect, dns.lookup];
    const hanging = new BypassingPlugin(async (endpoint) => {
      await globalThis.fetch(endpoint).catch(() => undefined);
      return new Promise(() => undefined);
    });
    const throwing = new SamplePingPlugin();
    Object.defineProperty(throwing, 'ping', {
      value: (config: IntegrationConfig) => sent(() => http.request(config.endpoint)),
    });
    const verdicts = [
      ...(await runConformanceChecks(hanging, { ...fast, scenarios: ['http-500'] })),
      ...(await runConformanceChecks(throwing, { ...fast, scenarios: ['http-500'] })),
    ];

    expect([globalThis.fetch, http.request, net.connect, dns.lookup]).toEqual(originals);
    expect(
      verdicts.filter(
        (candidate) =>
          candidate.check ===
          'testConnection › HTTP 500 (server error) › makes its network calls through the host',
      ),
    ).toEqual([
      expect.objectContaining({ passed: false, reason: expect.stringMatching(/global fetch/) }),
      expect.objectContaining({
        passed: false,
        reason: expect.stringMatching(/^the plugin called http\.request/),
      }),
    ]);
  }, 30_000);

  it('fails an isAvailable that goes around the host, and connects nowhere', async () => {
    const recorder = await startTcpServer((socket) => socket.destroy());
    const plugin = new SamplePingPlugin();
    Object.defineProperty(plugin, 'isAvailable', {
      value: () =>
        globalThis.fetch(`${recorder.url}/status`).then(
          () => true,
          () => false,
        ),
    });
    try {
      const verdicts = await runConformanceChecks(plugin, { ...fast, scenarios: [] });
      expect(
        verdict(
          verdicts,
          'plugin › availability › isAvailable makes its network calls through the host',
        ),
      ).toMatchObject({
        passed: false,
        reason: expect.stringMatching(
          /^the plugin called the global fetch for http:\/\/127\.0\.0\.1:\d+\/status: use host\.fetch$/,
        ),
      });
      expect(recorder.connectionCount).toBe(0);
    } finally {
      await recorder.close();
    }
  }, 30_000);

  it("passes a plugin whose SDK-style client uses the host's agent", async () => {
    const verdicts = await runConformanceChecks(new AgentPlugin(), {
      ...fast,
      scenarios: ['connection-refused', 'http-401', 'http-500'],
    });

    const throughHost = verdicts.filter((candidate) =>
      candidate.check.endsWith('makes its network calls through the host'),
    );
    expect(throughHost.length).toBeGreaterThan(6);
    expect(throughHost.filter((candidate) => !candidate.passed)).toEqual([]);
  }, 30_000);

  it('reports a makeConfig that throws as a failed check', async () => {
    const verdicts = await runConformanceChecks(new SamplePingPlugin(), {
      ...fast,
      scenarios: ['http-404'],
      makeConfig: () => {
        throw new Error('no such setting');
      },
    });

    expect(
      verdict(
        verdicts,
        'testConnection › HTTP 404 (not found) › the kit can build a config for the call',
      ),
    ).toMatchObject({
      passed: false,
      reason: 'Error: no such setting (check options.makeConfig)',
    });
  }, 30_000);
});

describe('ConformanceSuite', () => {
  it('lists its cases before any server starts, and refuses to run one before start()', async () => {
    const suite = ConformanceSuite.create(new SamplePingPlugin(), { scenarios: ['http-401'] });

    expect(suite.cases.map((testCase) => testCase.id)).toEqual([
      'plugin:identity',
      'plugin:manifest',
      'plugin:settings schema',
      'plugin:credential slots',
      'plugin:capabilities',
      'plugin:availability',
      'testConnection:http-401',
      'testConnection:abort-mid-call',
      'testConnection:pre-aborted',
      'checkHealth:http-401',
      'checkHealth:abort-mid-call',
      'checkHealth:pre-aborted',
    ]);
    await expect(suite.run({ id: 'testConnection:http-401' })).rejects.toThrow(
      'start() the conformance suite',
    );
  });

  it('hands makeConfig the endpoint, the canary secrets and a fresh host for each call', async () => {
    const seen: Array<{ endpoint: string; token: string; timeoutMs: number }> = [];
    const suite = ConformanceSuite.create(new SamplePingPlugin(), {
      ...fast,
      canary: 'canary-for-make-config',
      scenarios: ['http-404'],
      makeConfig: async ({ endpoint, secrets, host, defaults }) => {
        seen.push({ endpoint, token: await secrets.get('token'), timeoutMs: host.timeoutMs });
        return { ...defaults, settings: { apiPath: '/v2/' } };
      },
    });
    await suite.start();
    try {
      const verdicts = await suite.run({ id: 'testConnection:http-404' });
      expect(failures(verdicts)).toEqual([]);
    } finally {
      await suite.stop();
    }

    expect(seen).toEqual([
      {
        endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        token: 'canary-for-make-config',
        timeoutMs: 400,
      },
    ]);
  });

  it('rejects a timeout that is not a positive number', () => {
    expect(() => ConformanceSuite.create(new SamplePingPlugin(), { timeoutMs: 0 })).toThrow(
      RangeError,
    );
  });
});

// The jest wrapper, as a plugin author uses it.
describeConnectorConformance(new SamplePingPlugin(), {
  ...fast,
  failureCases: [
    {
      name: 'the token store does not answer',
      secrets: {},
      failingSecrets: ['token'],
      expect: { phase: 'auth' },
    },
  ],
});
