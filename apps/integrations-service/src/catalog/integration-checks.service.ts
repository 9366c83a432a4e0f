import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RegisterIntegrationDto } from '@stellaops/integrations-contracts';
import type { CheckResult, Integration, IntegrationStatus } from '@stellaops/integrations-core';
import type { HealthHistoryEntry } from '@stellaops/integrations-persistence';
import { Database } from '@stellaops/integrations-persistence';
import type {
  IntegrationConfig,
  IntegrationConnectorPlugin,
} from '@stellaops/integrations-plugin-abstractions';
import { CheckRecorder } from '@stellaops/integrations-plugin-abstractions';
import type { Principal } from '../auth/principal';
import type { ServiceConfig } from '../config/service-config';
import { InjectServiceConfig } from '../config/service-config.token';
import type { IntegrationConfigInput } from '../plugins/integration-config-factory';
import { IntegrationConfigFactory } from '../plugins/integration-config-factory';
import { withOutboundCalls } from '../plugins/outbound-result';
import { PluginRegistry } from '../plugins/plugin-registry';
import type { ResolvingSecretAccessor } from '../secrets/resolving-secret-accessor';
import { guardedCheck } from './guarded-check';
import { integrationNotFound } from './integration-id.pipe';
import { pluginNotLoaded } from './plugin-not-loaded';
import type { CatalogDatabase } from './integrations.service';
import { AuditActions } from './integrations.service';
import { LifecycleEvents } from './lifecycle-events';
import { RegistrationValidator } from './registration-validator';

// The plugin reports its own timeout at `checkTimeoutMs`; the host's guard waits a little longer
// so that the plugin's answer, which names the phase that hung, wins.
const GUARD_GRACE_MS = 1_000;

type Operation = 'testConnection' | 'checkHealth';

/**
 * The status a connection test moves a registration to: a pass makes a pending (or failed) one
 * active, a failure makes a pending one failed. An active registration stays active when a test
 * fails (its health says so), and a disabled one is left alone.
 */
export function statusAfterTest(
  status: IntegrationStatus,
  success: boolean,
): IntegrationStatus | undefined {
  if (status === 'disabled') return undefined;
  if (success) return status === 'active' ? undefined : 'active';
  return status === 'pending' ? 'failed' : undefined;
}

export interface IntegrationHealthView {
  readonly integration: Integration;
  /** Newest first. */
  readonly history: readonly HealthHistoryEntry[];
}

/**
 * Connection tests and on-demand health checks. The plugin runs outside any transaction (it may
 * take seconds); its result is then recorded in one transaction with the history entry, the
 * events and the audit entry.
 */
@Injectable()
export class IntegrationChecksService {
  private readonly logger = new Logger('Catalog');

  constructor(
    @Inject(Database) private readonly database: CatalogDatabase,
    @Inject(PluginRegistry) private readonly plugins: PluginRegistry,
    @Inject(IntegrationConfigFactory) private readonly configs: IntegrationConfigFactory,
    @Inject(RegistrationValidator) private readonly validator: RegistrationValidator,
    @InjectServiceConfig() private readonly config: ServiceConfig,
  ) {}

  /** Tests a saved registration; a result is returned (and recorded) for every failure. */
  testSaved(principal: Principal, id: string, signal: AbortSignal): Promise<CheckResult> {
    return this.checkSaved('testConnection', principal, id, signal);
  }

  /** Checks a saved registration's health now, as the poller would. */
  checkHealth(principal: Principal, id: string, signal: AbortSignal): Promise<CheckResult> {
    return this.checkSaved('checkHealth', principal, id, signal);
  }

  /** Tests a registration before it is saved: validated like one, nothing stored, no event. */
  async testDraft(
    principal: Principal,
    draft: RegisterIntegrationDto,
    signal: AbortSignal,
  ): Promise<CheckResult> {
    const plugin = this.validator.validateRegistration(draft, principal.tenantId);
    return this.run(
      plugin,
      'testConnection',
      {
        integrationId: null,
        tenantId: principal.tenantId,
        name: draft.name,
        type: draft.type,
        provider: draft.provider,
        endpoint: draft.endpoint,
        settings: draft.settings,
        credentials: draft.credentials,
        actor: principal.subject,
      },
      signal,
    );
  }

  async health(principal: Principal, id: string, limit: number): Promise<IntegrationHealthView> {
    const integration = await this.database.integrations.findById(principal.tenantId, id);
    if (integration === null) throw integrationNotFound();
    const history = await this.database.healthHistory.list(principal.tenantId, id, limit);
    return { integration, history };
  }

  private async checkSaved(
    operation: Operation,
    principal: Principal,
    id: string,
    signal: AbortSignal,
  ): Promise<CheckResult> {
    const integration = await this.database.integrations.findById(principal.tenantId, id);
    if (integration === null) throw integrationNotFound();
    const plugin = this.plugins.get(integration.type, integration.provider);
    if (plugin === undefined) throw pluginNotLoaded(integration.type, integration.provider);
    let result: CheckResult;
    if (integration.credentialsUnreadable !== undefined) {
      this.logger.warn(integration.credentialsUnreadable);
      result = CheckRecorder.start().failed({
        phase: 'config',
        status: 'unknown',
        message:
          'the stored credentials of this integration cannot be decrypted with the configured key (CREDENTIALS_ENCRYPTION_KEY): restore the key they were written with, or register the credentials again (PATCH the integration with its credentials)',
        isTransient: false,
      });
    } else {
      result = await this.run(
        plugin,
        operation,
        {
          integrationId: integration.id,
          tenantId: integration.tenantId,
          name: integration.name,
          type: integration.type,
          provider: integration.provider,
          endpoint: integration.endpoint,
          settings: { ...integration.settings },
          credentials: { ...integration.credentials },
          actor: principal.subject,
        },
        signal,
      );
    }
    // A caller who left learned nothing, and an aborted check says nothing about the provider:
    // recording it would overwrite the last real health.
    if (signal.aborted) return result;
    await this.record(operation, principal, id, result);
    return result;
  }

  private async record(
    operation: Operation,
    principal: Principal,
    id: string,
    result: CheckResult,
  ): Promise<void> {
    const { tenantId } = principal;
    await this.database.transaction(async (uow) => {
      // Read again inside the transaction: the registration may have been disabled or deleted
      // while the plugin ran.
      const fresh = await uow.integrations.findById(tenantId, id);
      if (fresh === null) throw integrationNotFound();
      const integrationStatus =
        operation === 'testConnection' ? statusAfterTest(fresh.status, result.success) : undefined;
      const recorded = await uow.integrations.recordHealth(tenantId, id, {
        status: result.status,
        message: result.message,
        checkedAt: result.checkedAt,
        success: result.success,
        ...(integrationStatus === undefined ? {} : { integrationStatus }),
      });
      if (recorded === null) throw integrationNotFound();
      await uow.healthHistory.append({
        tenantId,
        integrationId: id,
        status: result.status,
        success: result.success,
        phase: result.phase,
        isTransient: result.isTransient,
        message: result.message,
        durationMs: result.durationMs,
        checkedAt: result.checkedAt,
        details: result.details,
      });
      if (operation === 'testConnection') {
        await uow.events.append(LifecycleEvents.connectionTested(recorded.integration, result));
      }
      if (recorded.previousHealth !== result.status) {
        await uow.events.append(
          LifecycleEvents.healthChanged(recorded.integration, recorded.previousHealth, result),
        );
      }
      await uow.audit.record({
        tenantId,
        actor: principal.subject,
        action: operation === 'testConnection' ? AuditActions.Test : AuditActions.HealthCheck,
        integrationId: id,
        details: {
          success: result.success,
          status: result.status,
          phase: result.phase,
          ...(integrationStatus === undefined ? {} : { integrationStatus }),
        },
      });
    });
  }

  private async run(
    plugin: IntegrationConnectorPlugin,
    operation: Operation,
    input: IntegrationConfigInput,
    signal: AbortSignal,
  ): Promise<CheckResult> {
    const recorder = CheckRecorder.start();
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
        message: 'the service could not prepare the configuration for the plugin',
        isTransient: false,
      });
    }
    const secrets = config.secrets as Partial<ResolvingSecretAccessor>;
    const result = await guardedCheck((inner) => plugin[operation](config, inner), {
      timeoutMs: this.config.checkTimeoutMs + GUARD_GRACE_MS,
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
}
