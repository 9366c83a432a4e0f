/**
 * The contract's vocabulary. Every set is open: the constants name the values this project ships,
 * and the types accept any other string so that a third-party plugin can add a provider (or a whole
 * integration type) without a change here.
 */

/** A string type that keeps editor completion for the known values but accepts any string. */
export type OpenString<Known extends string> = Known | (string & Record<never, never>);

export const IntegrationTypes = {
  Scm: 'scm',
  Registry: 'registry',
  Ci: 'ci',
  RepoSource: 'repo-source',
  RuntimeHost: 'runtime-host',
} as const;
export type KnownIntegrationType = (typeof IntegrationTypes)[keyof typeof IntegrationTypes];
export type IntegrationType = OpenString<KnownIntegrationType>;

export const IntegrationProviders = {
  GitHubApp: 'github-app',
  GitLab: 'gitlab',
  Harbor: 'harbor',
  Ecr: 'ecr',
  Gcr: 'gcr',
  Acr: 'acr',
  Oci: 'oci',
  InMemory: 'in-memory',
} as const;
export type KnownIntegrationProvider =
  (typeof IntegrationProviders)[keyof typeof IntegrationProviders];
export type IntegrationProvider = OpenString<KnownIntegrationProvider>;

/** Lifecycle status of a registration. Closed: the catalog owns these transitions. */
export const IntegrationStatuses = ['pending', 'active', 'failed', 'disabled'] as const;
export type IntegrationStatus = (typeof IntegrationStatuses)[number];

/** What the last test or check said. `unknown` is explicit: nothing has been checked (yet). */
export const HealthStatuses = ['unknown', 'healthy', 'degraded', 'unhealthy'] as const;
export type HealthStatus = (typeof HealthStatuses)[number];

/**
 * The step of a connection that failed, kept apart so that "cannot reach it" is never confused
 * with "reached it and the credentials were refused".
 */
export const CheckPhases = [
  'config',
  'dns',
  'connect',
  'tls',
  'auth',
  'authorization',
  'api',
] as const;
export type CheckPhase = (typeof CheckPhases)[number];

export const Capabilities = {
  TestConnection: 'test-connection',
  HealthCheck: 'health-check',
  ScmAnnotations: 'scm-annotations',
  Registry: 'registry',
} as const;
export type KnownCapability = (typeof Capabilities)[keyof typeof Capabilities];
export type Capability = OpenString<KnownCapability>;

export function isHealthStatus(value: unknown): value is HealthStatus {
  return typeof value === 'string' && (HealthStatuses as readonly string[]).includes(value);
}

export function isCheckPhase(value: unknown): value is CheckPhase {
  return typeof value === 'string' && (CheckPhases as readonly string[]).includes(value);
}

export function isIntegrationStatus(value: unknown): value is IntegrationStatus {
  return typeof value === 'string' && (IntegrationStatuses as readonly string[]).includes(value);
}
