import type {
  CheckResult,
  IntegrationConfig,
  IntegrationConnectorPlugin,
  PluginHost,
  PluginManifest,
  RegistryConnector,
} from '../src/index';
import { CONTRACT_VERSION, guardCheck } from '../src/index';
import type { Equal } from './expect-type';
import { expectTrue, expectType } from './expect-type';

const manifest: PluginManifest = {
  displayName: 'Acme SCM',
  contractVersion: CONTRACT_VERSION,
  settingsSchema: { type: 'object', properties: {}, additionalProperties: false },
  credentialSlots: [{ name: 'token', description: 'An Acme API token', required: true }],
  requiredScopes: ['read:repo'],
  capabilities: ['test-connection', 'health-check'],
};

async function probe(config: IntegrationConfig, signal: AbortSignal): Promise<CheckResult> {
  return guardCheck(config.host, signal, async (inner, check) => {
    const response = await config.host.fetch(config.endpoint, { signal: inner });
    return response.ok
      ? check.healthy('reachable')
      : check.failed({
          phase: 'api',
          message: `HTTP ${response.status}`,
          isTransient: false,
        });
  });
}

// A minimal third-party plugin: a provider this package has never heard of, no optional members.
expectType<IntegrationConnectorPlugin>({
  name: 'acme-scm',
  type: 'scm',
  provider: 'acme-scm',
  manifest,
  isAvailable: () => true,
  testConnection: probe,
  checkHealth: probe,
});

// isAvailable may be async, and a class works as well as an object.
class AcmeRegistryPlugin implements IntegrationConnectorPlugin {
  readonly name = 'acme-registry';
  readonly type = 'registry';
  readonly provider = 'acme-registry';
  readonly manifest = manifest;

  async isAvailable(host: PluginHost): Promise<boolean> {
    return host.timeoutMs > 0;
  }

  testConnection(config: IntegrationConfig, signal: AbortSignal): Promise<CheckResult> {
    return probe(config, signal);
  }

  checkHealth(config: IntegrationConfig, signal: AbortSignal): Promise<CheckResult> {
    return probe(config, signal);
  }

  createRegistryConnector(): RegistryConnector {
    return {
      listRepositories: async () => ({ items: [{ name: 'team/app' }], nextCursor: null }),
      listTags: async () => ({ items: [], nextCursor: null }),
      resolveDigest: async (repository, reference) => ({
        repository,
        reference,
        digest: 'sha256:0000',
      }),
    };
  }
}
expectType<IntegrationConnectorPlugin>(new AcmeRegistryPlugin());

// What a package exports for the service to load it by name.
export const plugins: IntegrationConnectorPlugin[] = [new AcmeRegistryPlugin()];

// The contract's methods take an AbortSignal and resolve to a result: they never return void.
expectTrue<
  Equal<
    Parameters<IntegrationConnectorPlugin['testConnection']>,
    [config: IntegrationConfig, signal: AbortSignal]
  >
>();
expectTrue<Equal<ReturnType<IntegrationConnectorPlugin['checkHealth']>, Promise<CheckResult>>>();

// @ts-expect-error -- a plugin must implement testConnection
expectType<IntegrationConnectorPlugin>({
  name: 'acme-scm',
  type: 'scm',
  provider: 'acme-scm',
  manifest,
  isAvailable: () => true,
  checkHealth: probe,
});

expectType<IntegrationConnectorPlugin>({
  name: 'acme-scm',
  type: 'scm',
  provider: 'acme-scm',
  manifest,
  isAvailable: () => true,
  // @ts-expect-error -- testConnection resolves to a result, not to a boolean
  testConnection: async () => true,
  checkHealth: probe,
});

expectType<IntegrationConnectorPlugin>({
  name: 'acme-scm',
  type: 'scm',
  provider: 'acme-scm',
  // @ts-expect-error -- a manifest declares its contract version
  manifest: { ...manifest, contractVersion: undefined },
  isAvailable: () => true,
  testConnection: probe,
  checkHealth: probe,
});

// @ts-expect-error -- a credential slot says whether it is required
expectType<PluginManifest['credentialSlots'][number]>({ name: 'token', description: 'x' });
