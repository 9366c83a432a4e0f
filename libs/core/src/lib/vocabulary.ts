// The contract's vocabulary, re-exported so that the catalog's code takes everything
// domain-shaped from core.
export {
  Capabilities,
  CheckPhases,
  HealthStatuses,
  IntegrationProviders,
  IntegrationStatuses,
  IntegrationTypes,
  isCheckPhase,
  isHealthStatus,
  isIntegrationStatus,
} from '@stellaops/integrations-plugin-abstractions';
export type {
  Capability,
  CheckPhase,
  CheckResult,
  HealthCheckResult,
  HealthStatus,
  IntegrationProvider,
  IntegrationStatus,
  IntegrationType,
  TestConnectionResult,
} from '@stellaops/integrations-plugin-abstractions';
