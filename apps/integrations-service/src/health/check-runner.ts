import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CheckResult, Integration } from '@stellaops/integrations-core';
import type {
  IntegrationConfig,
  IntegrationConnectorPlugin,
} from '@stellaops/integrations-plugin-abstractions';
import { CheckRecorder } from '@stellaops/integrations-plugin-abstractions';
import { withLogContext } from '../observability/logging/log-context';
import { Metrics } from '../observability/metrics/metrics';
import type { IntegrationConfigInput } from '../plugins/integration-config-factory';
import { IntegrationConfigFactory } from '../plugins/integration-config-factory';
import { withOutboundCalls } from '../plugins/outbound-result';
import type { ResolvingSecretAccessor } from '../secrets/resolving-secret-accessor';
import type { SecretPurpose } from '../secrets/secret-access-context';
import { guardedCheck } from './guarded-check';
import type { HealthConfig } from './health.config';
import { HEALTH_CONFIG } from './health.module-definition';

// The plugin reports its own timeout at its host's `timeoutMs`; the host's guard waits a little
// longer so that the plugin's answer, which names the phase that hung, wins.
export const GUARD_GRACE_MS = 1_000;

export type CheckOperation = 'testConnection' | 'checkHealth';

/** Who runs a check: a caller of the API, or the poller. Secret resolutions are audited for it. */
export interface CheckActor {
  readonly tenantId: string;
  readonly subject: string;
}

export const OFFLINE_MESSAGE =
  'the site is offline (INTEGRATIONS_OFFLINE=true): no check was attempted';

export const UNREADABLE_CREDENTIALS_MESSAGE =
  'the stored credentials of this integration cannot be decrypted with the configured keys (INTEGRATIONS_ENCRYPTION_KEYS or CREDENTIALS_ENCRYPTION_KEY): restore the key they were written with, or register the credentials again (PATCH the integration with its credentials)';

/** Why a check of a registration whose secret settings `names` cannot be decrypted fails. */
export function unreadableSettingsMessage(names: readonly string[]): string {
  const listed = names.map((name) => `settings.${name}`).join(', ');
  return `the stored secret setting${names.length === 1 ? '' : 's'} ${listed} of this integration cannot be decrypted with the configured keys (INTEGRATIONS_ENCRYPTION_KEYS or CREDENTIALS_ENCRYPTION_KEY): restore the key ${names.length === 1 ? 'it was' : 'they were'} written with, or send ${names.length === 1 ? 'it' : 'them'} again (PATCH the integration's settings)`;
}

/** A check's time limit: the plugin's own (its manifest's `checkTimeoutMs`), or the default. */
export function checkTimeoutOf(
  plugin: Pick<IntegrationConnectorPlugin, 'manifest'>,
  config: Pick<HealthConfig, 'checkTimeoutMs'>,
): number {
  return plugin.manifest.checkTimeoutMs ?? config.checkTimeoutMs;
}

/** What a check resolves credentials for: a connection test, or a health check. */
export function purposeOf(operation: CheckOperation): SecretPurpose {
  return operation === 'testConnection' ? 'test' : 'health';
}

/**
 * Why a saved registration cannot be handed to its plugin: stored credentials or secret settings
 * that do not decrypt. `reason` is for the log (row, field, key id); `message` for the caller.
 */
function unreadableMessageOf(
  integration: Integration,
): { readonly reason: string; readonly message: string } | undefined {
  if (integration.credentialsUnreadable !== undefined) {
    return { reason: integration.credentialsUnreadable, message: UNREADABLE_CREDENTIALS_MESSAGE };
  }
  if (integration.settingsUnreadable !== undefined) {
    const missing = integration.secretSettings.filter(
      (name) => !Object.hasOwn(integration.settings, name),
    );
    return { reason: integration.settingsUnreadable, message: unreadableSettingsMessage(missing) };
  }
  return undefined;
}

/** What a saved registration gives the plugin: its fields and who asks. */
export function configInputOf(
  integration: Integration,
  actor: string,
  purpose: SecretPurpose,
): IntegrationConfigInput {
  return {
    integrationId: integration.id,
    tenantId: integration.tenantId,
    name: integration.name,
    type: integration.type,
    provider: integration.provider,
    endpoint: integration.endpoint,
    settings: { ...integration.settings },
    secretSettings: integration.secretSettings,
    credentials: { ...integration.credentials },
    actor,
    purpose,
  };
}

/**
 * Runs one test or check of a plugin, for the API and the poller alike: bounded by the time limit
 * whether or not the plugin keeps it, never throwing (every failure is a result), the secrets it
 * resolved kept out of what it returns, offline mode honoured, measured, and logged with the
 * registration's fields.
 */
@Injectable()
export class CheckRunner {
  private readonly logger = new Logger('Health');

  constructor(
    @Inject(IntegrationConfigFactory) private readonly configs: IntegrationConfigFactory,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  /** A saved registration's test or check. */
  runSaved(
    plugin: IntegrationConnectorPlugin,
    operation: CheckOperation,
    integration: Integration,
    actor: CheckActor,
    signal: AbortSignal,
  ): Promise<CheckResult> {
    const unreadable = unreadableMessageOf(integration);
    if (unreadable !== undefined) {
      this.logger.warn(unreadable.reason);
      return Promise.resolve(
        this.measured(
          plugin,
          operation,
          CheckRecorder.start().failed({
            phase: 'config',
            status: 'unknown',
            message: unreadable.message,
            isTransient: false,
          }),
        ),
      );
    }
    return this.run(
      plugin,
      operation,
      configInputOf(integration, actor.subject, purposeOf(operation)),
      signal,
    );
  }

  /** A test of `input` as given (a draft has no id). */
  run(
    plugin: IntegrationConnectorPlugin,
    operation: CheckOperation,
    input: IntegrationConfigInput,
    signal: AbortSignal,
  ): Promise<CheckResult> {
    const fields = {
      tenant: input.tenantId,
      provider: input.provider,
      operation,
      ...(input.integrationId === null ? {} : { integrationId: input.integrationId }),
    };
    return withLogContext(fields, async () =>
      this.measured(plugin, operation, await this.attempt(plugin, operation, input, signal)),
    );
  }

  private async attempt(
    plugin: IntegrationConnectorPlugin,
    operation: CheckOperation,
    input: IntegrationConfigInput,
    signal: AbortSignal,
  ): Promise<CheckResult> {
    const recorder = CheckRecorder.start();
    if (this.config.offline) {
      return recorder.failed({
        phase: null,
        status: 'unknown',
        message: OFFLINE_MESSAGE,
        isTransient: false,
      });
    }
    let config: IntegrationConfig;
    try {
      config = this.configs.create(input);
    } catch (error) {
      this.logger.error(
        `could not prepare the configuration of integration ${input.integrationId ?? '(draft)'} for plugin ${plugin.name}: ${
          error instanceof Error ? error.name : typeof error
        }`,
      );
      return recorder.failed({
        phase: 'config',
        status: 'unknown',
        message: 'the service could not prepare the configuration for the plugin',
        isTransient: false,
      });
    }
    const secrets = config.secrets as Partial<ResolvingSecretAccessor>;
    const result = await guardedCheck((inner) => plugin[operation](config, inner), {
      timeoutMs: checkTimeoutOf(plugin, this.config) + GUARD_GRACE_MS,
      signal,
      recorder,
      secrets: () => secrets.resolvedValues?.() ?? [],
    });
    return withOutboundCalls(
      result,
      this.configs.outboundCalls(config),
      secrets.resolvedValues?.() ?? [],
    );
  }

  private measured(
    plugin: IntegrationConnectorPlugin,
    operation: CheckOperation,
    result: CheckResult,
  ): CheckResult {
    if (operation === 'testConnection') {
      this.metrics.recordTestConnection(plugin.provider, result.durationMs / 1_000);
    } else {
      this.metrics.recordHealthCheck(plugin.provider, result.status);
    }
    return result;
  }
}
