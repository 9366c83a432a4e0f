import type {
  CheckResult,
  IntegrationConfig,
  IntegrationConnectorPlugin,
  IntegrationType,
  PluginManifest,
} from '@stellaops/integrations-plugin-abstractions';
import {
  Capabilities,
  CONTRACT_VERSION,
  IntegrationProviders,
  IntegrationTypes,
  guardCheck,
  sleep,
} from '@stellaops/integrations-plugin-abstractions';
import type { RegistryContent } from './in-memory-registry-connector';
import {
  DEFAULT_REGISTRY_CONTENT,
  InMemoryRegistryConnector,
} from './in-memory-registry-connector';
import { InMemoryScmAnnotationClient } from './in-memory-scm-annotation-client';
import { IN_MEMORY_SETTINGS_SCHEMA, parseInMemorySettings } from './in-memory-settings';

export const IN_MEMORY_TOKEN_SLOT = 'token';

export const IN_MEMORY_MANIFEST: PluginManifest = {
  displayName: 'In-memory (development and tests)',
  description:
    'Simulates a provider without any network: scripted health, latency and transient failures, ' +
    'an SCM that keeps what it is sent, and a seeded registry.',
  contractVersion: CONTRACT_VERSION,
  settingsSchema: IN_MEMORY_SETTINGS_SCHEMA,
  credentialSlots: [
    {
      name: IN_MEMORY_TOKEN_SLOT,
      description:
        'Optional. Resolved on every test and check so that the secret, audit and redaction paths run; the value is not used.',
      required: false,
    },
  ],
  requiredScopes: [],
  capabilities: [
    Capabilities.TestConnection,
    Capabilities.HealthCheck,
    Capabilities.ScmAnnotations,
    Capabilities.Registry,
  ],
};

export interface InMemoryConnectorPluginOptions {
  /** The integration type the plugin registers as. Default `scm`. */
  readonly type?: IntegrationType;
  /** The repositories and tags of each registration's registry. Default: a few public images. */
  readonly registry?: RegistryContent;
}

type Operation = 'testConnection' | 'checkHealth';

/**
 * A provider that lives in memory, for development and tests. Tests and checks report what the
 * registration's settings script (`health`, `latencyMs`, `failTimes`); SCM operations and
 * registry listings are served from memory and recorded. State is kept per registration (its id,
 * or tenant and name for an unsaved draft) for the life of the plugin instance.
 */
export class InMemoryConnectorPlugin implements IntegrationConnectorPlugin {
  readonly name: string;
  readonly type: IntegrationType;
  readonly provider = IntegrationProviders.InMemory;
  readonly manifest: PluginManifest = IN_MEMORY_MANIFEST;

  private readonly registryContent: RegistryContent;
  private readonly callCounts = new Map<string, number>();
  private readonly scmClients = new Map<string, InMemoryScmAnnotationClient>();
  private readonly registries = new Map<string, InMemoryRegistryConnector>();

  constructor(options: InMemoryConnectorPluginOptions = {}) {
    this.type = options.type ?? IntegrationTypes.Scm;
    this.name = this.type === IntegrationTypes.Scm ? 'in-memory' : `in-memory-${this.type}`;
    this.registryContent = options.registry ?? DEFAULT_REGISTRY_CONTENT;
  }

  static create(options: InMemoryConnectorPluginOptions = {}): InMemoryConnectorPlugin {
    return new InMemoryConnectorPlugin(options);
  }

  isAvailable(): boolean {
    return true;
  }

  testConnection(config: IntegrationConfig, signal: AbortSignal): Promise<CheckResult> {
    return this.simulate('testConnection', config, signal);
  }

  checkHealth(config: IntegrationConfig, signal: AbortSignal): Promise<CheckResult> {
    return this.simulate('checkHealth', config, signal);
  }

  /** The registration's SCM; the same instance (and history) for every call of a registration. */
  createScmAnnotationClient(config: IntegrationConfig): InMemoryScmAnnotationClient {
    const key = registrationKey(config);
    let client = this.scmClients.get(key);
    if (client === undefined) {
      client = new InMemoryScmAnnotationClient(config.host.clock);
      this.scmClients.set(key, client);
    }
    return client;
  }

  /** The registration's registry; the same instance (and call history) for every call. */
  createRegistryConnector(config: IntegrationConfig): InMemoryRegistryConnector {
    const key = registrationKey(config);
    let registry = this.registries.get(key);
    if (registry === undefined) {
      registry = new InMemoryRegistryConnector(this.registryContent);
      this.registries.set(key, registry);
    }
    return registry;
  }

  /** How many tests and checks of the registration got as far as reporting. */
  callCount(config: Pick<IntegrationConfig, 'integrationId' | 'tenantId' | 'name'>): number {
    return this.callCounts.get(registrationKey(config)) ?? 0;
  }

  /** Forgets every registration's calls, comments, statuses, check runs and registry history. */
  reset(): void {
    this.callCounts.clear();
    this.scmClients.clear();
    this.registries.clear();
  }

  private simulate(
    operation: Operation,
    config: IntegrationConfig,
    signal: AbortSignal,
  ): Promise<CheckResult> {
    return guardCheck(config.host, signal, async (inner, check) => {
      const settings = parseInMemorySettings(config.settings);
      const tokenResolved = config.secrets.has(IN_MEMORY_TOKEN_SLOT);
      // Resolved and dropped: the call exists to exercise the host's secret path, not to use it.
      if (tokenResolved) await config.secrets.get(IN_MEMORY_TOKEN_SLOT, inner);
      if (settings.latencyMs > 0) await sleep(settings.latencyMs, inner);

      const key = registrationKey(config);
      const attempt = (this.callCounts.get(key) ?? 0) + 1;
      this.callCounts.set(key, attempt);
      const details = {
        operation,
        attempt,
        latencyMs: settings.latencyMs,
        tokenResolved,
        webhookSecretPresent: settings.webhookSecretPresent,
      };
      config.host.logger.debug('in-memory: simulated call', {
        integrationId: config.integrationId,
        operation,
        attempt,
      });

      if (attempt <= settings.failTimes) {
        return check.failed({
          phase: 'connect',
          isTransient: true,
          message: `in-memory: simulated connection failure ${attempt} of ${settings.failTimes}`,
          details,
        });
      }
      switch (settings.health) {
        case 'healthy':
          return check.healthy('in-memory: healthy', details);
        case 'degraded':
          return check.degraded('in-memory: degraded (simulated)', details);
        case 'unhealthy':
          return check.failed({
            phase: 'api',
            isTransient: false,
            message: 'in-memory: unhealthy (simulated)',
            details,
          });
      }
    });
  }
}

export function createInMemoryPlugin(
  options: InMemoryConnectorPluginOptions = {},
): InMemoryConnectorPlugin {
  return InMemoryConnectorPlugin.create(options);
}

function registrationKey(
  config: Pick<IntegrationConfig, 'integrationId' | 'tenantId' | 'name'>,
): string {
  return config.integrationId ?? `draft:${config.tenantId}/${config.name}`;
}
