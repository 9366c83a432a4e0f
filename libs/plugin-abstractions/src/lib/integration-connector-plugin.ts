import type { HealthCheckResult, TestConnectionResult } from './check-result';
import type { IntegrationConfig } from './integration-config';
import type { PluginHost } from './plugin-host';
import type { PluginManifest } from './plugin-manifest';
import type { RegistryConnector } from './registry-connector';
import type { ScmAnnotationClient } from './scm-annotation-client';
import type { IntegrationProvider, IntegrationType } from './vocabulary';

export interface AvailabilityPlugin {
  /** A unique, human-readable name for logs, e.g. `github-app`. */
  readonly name: string;
  /** Whether the plugin can run in this host (for example, an SDK it needs is present). */
  isAvailable(host: PluginHost): boolean | Promise<boolean>;
}

export interface IntegrationConnectorPlugin extends AvailabilityPlugin {
  readonly type: IntegrationType;
  readonly provider: IntegrationProvider;
  readonly manifest: PluginManifest;
  /**
   * Proves that the configuration works: the endpoint is reachable and the credentials are
   * accepted. Never throws and never outlives `signal` or `config.host.timeoutMs`.
   */
  testConnection(config: IntegrationConfig, signal: AbortSignal): Promise<TestConnectionResult>;
  /** A periodic, cheap health probe with the same guarantees as `testConnection`. */
  checkHealth(config: IntegrationConfig, signal: AbortSignal): Promise<HealthCheckResult>;
  /** Present when the manifest declares the `scm-annotations` capability. */
  createScmAnnotationClient?(config: IntegrationConfig): ScmAnnotationClient;
  /** Present when the manifest declares the `registry` capability. */
  createRegistryConnector?(config: IntegrationConfig): RegistryConnector;
}
