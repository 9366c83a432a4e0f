import { Inject, Injectable } from '@nestjs/common';
import type { AvailabilityDto, RegisterIntegrationDto } from '@stellaops/integrations-contracts';
import { AvailabilityWindows } from '@stellaops/integrations-contracts';
import type { CheckResult, Integration, IntegrationStatus } from '@stellaops/integrations-core';
import type { AvailabilityWindow, HealthHistoryEntry } from '@stellaops/integrations-persistence';
import { Database } from '@stellaops/integrations-persistence';
import { integrationNotFound } from '../catalog/integration-id.pipe';
import type { CatalogDatabase } from '../catalog/integrations.service';
import { AuditActions } from '../catalog/integrations.service';
import { LifecycleEvents } from '../catalog/lifecycle-events';
import { pluginNotLoaded } from '../catalog/plugin-not-loaded';
import { RegistrationValidator } from '../catalog/registration-validator';
import { PluginRegistry } from '../plugins/plugin-registry';
import type { CheckActor, CheckOperation } from './check-runner';
import { CheckRunner } from './check-runner';
import { historyFieldsOf, verdictAfterCheck } from './check-outcome';
import type { HealthConfig } from './health.config';
import { HEALTH_CONFIG } from './health.module-definition';

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
  readonly availability: AvailabilityDto;
  /** Newest first. */
  readonly history: readonly HealthHistoryEntry[];
}

export type HealthDatabase = CatalogDatabase;

function windowOf(windows: readonly AvailabilityWindow[], seconds: number): AvailabilityWindow {
  const found = windows.find((window) => window.windowSeconds === seconds);
  if (found === undefined) throw new Error(`the history returned no ${seconds} s window`);
  return found;
}

/**
 * Connection tests and health checks asked for through the API, and the health view. The plugin
 * runs outside any transaction (it may take seconds); its result is then recorded in one
 * transaction with the history entry, the events and the audit entry, under the row's lock, by
 * the same status model as the poller's.
 */
@Injectable()
export class IntegrationChecksService {
  constructor(
    @Inject(Database) private readonly database: HealthDatabase,
    @Inject(PluginRegistry) private readonly plugins: PluginRegistry,
    @Inject(CheckRunner) private readonly runner: CheckRunner,
    @Inject(RegistrationValidator) private readonly validator: RegistrationValidator,
    @Inject(HEALTH_CONFIG) private readonly config: HealthConfig,
  ) {}

  /** Tests a saved registration; a result is returned (and recorded) for every failure. */
  testSaved(actor: CheckActor, id: string, signal: AbortSignal): Promise<CheckResult> {
    return this.checkSaved('testConnection', actor, id, signal);
  }

  /** Checks a saved registration's health now, as the poller would. */
  checkHealth(actor: CheckActor, id: string, signal: AbortSignal): Promise<CheckResult> {
    return this.checkSaved('checkHealth', actor, id, signal);
  }

  /** Tests a registration before it is saved: validated like one, nothing stored, no event. */
  async testDraft(
    actor: CheckActor,
    draft: RegisterIntegrationDto,
    signal: AbortSignal,
  ): Promise<CheckResult> {
    const plugin = this.validator.validateRegistration(draft, actor.tenantId);
    return this.runner.run(
      plugin,
      'testConnection',
      {
        integrationId: null,
        tenantId: actor.tenantId,
        name: draft.name,
        type: draft.type,
        provider: draft.provider,
        endpoint: draft.endpoint,
        settings: draft.settings,
        secretSettings: this.validator.secretSettings(plugin),
        credentials: draft.credentials,
        actor: actor.subject,
        purpose: 'test',
      },
      signal,
    );
  }

  async health(tenantId: string, id: string, limit: number): Promise<IntegrationHealthView> {
    const integration = await this.database.integrations.findById(tenantId, id);
    if (integration === null) throw integrationNotFound();
    const [history, windows] = await Promise.all([
      this.database.healthHistory.list(tenantId, id, limit),
      this.database.healthHistory.availability(tenantId, id, [
        AvailabilityWindows.last24h,
        AvailabilityWindows.last7d,
      ]),
    ]);
    return {
      integration,
      history,
      availability: {
        last24h: windowOf(windows, AvailabilityWindows.last24h),
        last7d: windowOf(windows, AvailabilityWindows.last7d),
      },
    };
  }

  private async checkSaved(
    operation: CheckOperation,
    actor: CheckActor,
    id: string,
    signal: AbortSignal,
  ): Promise<CheckResult> {
    const integration = await this.database.integrations.findById(actor.tenantId, id);
    if (integration === null) throw integrationNotFound();
    const plugin = this.plugins.get(integration.type, integration.provider);
    if (plugin === undefined) throw pluginNotLoaded(integration.type, integration.provider);
    const result = await this.runner.runSaved(plugin, operation, integration, actor, signal);
    // A caller who left learned nothing, and an aborted check says nothing about the provider:
    // recording it would overwrite the last real health.
    if (signal.aborted) return result;
    await this.record(operation, actor, id, result);
    return result;
  }

  private async record(
    operation: CheckOperation,
    actor: CheckActor,
    id: string,
    result: CheckResult,
  ): Promise<void> {
    const { tenantId } = actor;
    await this.database.transaction(async (uow) => {
      // Read again, locked, inside the transaction: the registration may have been disabled or
      // deleted while the plugin ran, and its failure streak is the one this result extends.
      const fresh = await uow.integrations.findById(tenantId, id, { forUpdate: true });
      if (fresh === null) throw integrationNotFound();
      const integrationStatus =
        operation === 'testConnection' ? statusAfterTest(fresh.status, result.success) : undefined;
      const verdict = verdictAfterCheck(fresh, result, this.config, Date.now());
      const recorded = await uow.integrations.recordHealth(tenantId, id, {
        status: verdict.health,
        consecutiveFailures: verdict.consecutiveFailures,
        nextCheckAt: verdict.nextCheckAt,
        message: result.message,
        checkedAt: result.checkedAt,
        success: result.success,
        ...(integrationStatus === undefined ? {} : { integrationStatus }),
      });
      if (recorded === null) throw integrationNotFound();
      await uow.healthHistory.append({
        tenantId,
        integrationId: id,
        ...historyFieldsOf(result),
      });
      if (operation === 'testConnection') {
        await uow.events.append(LifecycleEvents.connectionTested(recorded.integration, result));
      }
      if (recorded.previousHealth !== verdict.health) {
        await uow.events.append(
          LifecycleEvents.healthChanged(
            recorded.integration,
            recorded.previousHealth,
            verdict.health,
            result.message,
          ),
        );
      }
      await uow.audit.record({
        tenantId,
        actor: actor.subject,
        action: operation === 'testConnection' ? AuditActions.Test : AuditActions.HealthCheck,
        integrationId: id,
        details: {
          success: result.success,
          status: result.status,
          health: verdict.health,
          phase: result.phase,
          ...(integrationStatus === undefined ? {} : { integrationStatus }),
        },
      });
    });
  }
}
