import type { CheckResult, HealthStatus } from '@stellaops/integrations-plugin-abstractions';

export const LifecycleEventTypes = {
  Registered: 'integration.registered',
  Updated: 'integration.updated',
  Deleted: 'integration.deleted',
  HealthChanged: 'integration.health-changed',
  ConnectionTested: 'integration.connection-tested',
} as const;
export type LifecycleEventType = (typeof LifecycleEventTypes)[keyof typeof LifecycleEventTypes];

/** The safe summary of a registration that events carry (never credentials, never settings). */
export interface IntegrationSummary {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly provider: string;
  readonly version: number;
}

export interface LifecycleEventPayloads {
  'integration.registered': { readonly integration: IntegrationSummary };
  'integration.updated': {
    readonly integration: IntegrationSummary;
    readonly changedFields: readonly string[];
  };
  'integration.deleted': { readonly integration: IntegrationSummary };
  'integration.health-changed': {
    readonly integration: IntegrationSummary;
    readonly previous: HealthStatus;
    readonly current: HealthStatus;
    readonly message: string;
  };
  'integration.connection-tested': {
    readonly integration: IntegrationSummary;
    readonly result: Pick<
      CheckResult,
      'success' | 'status' | 'phase' | 'isTransient' | 'durationMs' | 'message'
    >;
  };
}

export interface LifecycleEvent<T extends LifecycleEventType = LifecycleEventType> {
  /** A uuid; consumers de-duplicate by it. */
  readonly id: string;
  readonly type: T;
  readonly tenantId: string;
  readonly integrationId: string;
  /** UTC ISO-8601. */
  readonly occurredAt: string;
  readonly payload: LifecycleEventPayloads[T];
}
