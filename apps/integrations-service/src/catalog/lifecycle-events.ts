import { randomUUID } from 'node:crypto';
import type {
  CheckResult,
  HealthStatus,
  Integration,
  IntegrationSummary,
  LifecycleEvent,
  LifecycleEventPayloads,
  LifecycleEventType,
} from '@stellaops/integrations-core';
import { LifecycleEventTypes } from '@stellaops/integrations-core';

/** What events say about a registration: never its credentials or settings. */
export function summaryOf(integration: Integration): IntegrationSummary {
  return {
    id: integration.id,
    name: integration.name,
    type: integration.type,
    provider: integration.provider,
    version: integration.version,
  };
}

function lifecycleEvent<T extends LifecycleEventType>(
  type: T,
  integration: Integration,
  payload: LifecycleEventPayloads[T],
  now: Date,
): LifecycleEvent<T> {
  return {
    id: randomUUID(),
    type,
    tenantId: integration.tenantId,
    integrationId: integration.id,
    occurredAt: now.toISOString(),
    payload,
  };
}

/** Builders of the catalog's lifecycle events; `now` is when the change happened. */
export const LifecycleEvents = {
  registered: (integration: Integration, now = new Date()) =>
    lifecycleEvent(
      LifecycleEventTypes.Registered,
      integration,
      { integration: summaryOf(integration) },
      now,
    ),

  updated: (integration: Integration, changedFields: readonly string[], now = new Date()) =>
    lifecycleEvent(
      LifecycleEventTypes.Updated,
      integration,
      { integration: summaryOf(integration), changedFields },
      now,
    ),

  deleted: (integration: Integration, now = new Date()) =>
    lifecycleEvent(
      LifecycleEventTypes.Deleted,
      integration,
      { integration: summaryOf(integration) },
      now,
    ),

  connectionTested: (integration: Integration, result: CheckResult, now = new Date()) =>
    lifecycleEvent(
      LifecycleEventTypes.ConnectionTested,
      integration,
      {
        integration: summaryOf(integration),
        result: {
          success: result.success,
          status: result.status,
          phase: result.phase,
          isTransient: result.isTransient,
          durationMs: result.durationMs,
          message: result.message,
        },
      },
      now,
    ),

  /** `current` is the registration's health after the check (the status model's verdict). */
  healthChanged: (
    integration: Integration,
    previous: HealthStatus,
    current: HealthStatus,
    message: string,
    now = new Date(),
  ) =>
    lifecycleEvent(
      LifecycleEventTypes.HealthChanged,
      integration,
      { integration: summaryOf(integration), previous, current, message },
      now,
    ),
} as const;
