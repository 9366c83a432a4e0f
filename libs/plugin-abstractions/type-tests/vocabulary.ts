import type {
  Capability,
  CheckPhase,
  HealthStatus,
  IntegrationProvider,
  IntegrationStatus,
  IntegrationType,
  KnownIntegrationProvider,
  KnownIntegrationType,
} from '../src/index';
import { IntegrationProviders, IntegrationTypes } from '../src/index';
import type { Equal } from './expect-type';
import { expectTrue, expectType } from './expect-type';

// A third-party provider or type is any string: no change to this package is needed.
expectType<IntegrationProvider>('acme-scm');
expectType<IntegrationType>('ticketing');
expectType<Capability>('acme-webhooks');

// ... while the known literals stay in the type (editors complete them), not collapsed to `string`.
expectTrue<Equal<Extract<IntegrationProvider, 'github-app'>, 'github-app'>>();
expectTrue<Equal<Extract<IntegrationType, KnownIntegrationType>, KnownIntegrationType>>();
expectTrue<
  Equal<
    KnownIntegrationProvider,
    'github-app' | 'gitlab' | 'harbor' | 'ecr' | 'gcr' | 'acr' | 'oci' | 'in-memory'
  >
>();
expectTrue<Equal<typeof IntegrationProviders.GitHubApp, 'github-app'>>();
expectTrue<Equal<typeof IntegrationTypes.RepoSource, 'repo-source'>>();
expectType<KnownIntegrationType>(IntegrationTypes.RuntimeHost);
expectType<KnownIntegrationProvider>(IntegrationProviders.InMemory);

// The known sets themselves are closed.
// @ts-expect-error -- 'acme-scm' is not a provider this project ships
expectType<KnownIntegrationProvider>('acme-scm');
// @ts-expect-error -- integration types are lower-case
expectType<KnownIntegrationType>('SCM');

// An open string is still a string: a number is not a provider.
// @ts-expect-error -- a provider is a string
expectType<IntegrationProvider>(42);

// Statuses, health statuses and phases are closed: the host owns them.
expectTrue<Equal<HealthStatus, 'unknown' | 'healthy' | 'degraded' | 'unhealthy'>>();
expectTrue<Equal<IntegrationStatus, 'pending' | 'active' | 'failed' | 'disabled'>>();
expectTrue<
  Equal<CheckPhase, 'config' | 'dns' | 'connect' | 'tls' | 'auth' | 'authorization' | 'api'>
>();
// @ts-expect-error -- 'ok' is not a health status
expectType<HealthStatus>('ok');
// @ts-expect-error -- 'network' is not a check phase
expectType<CheckPhase>('network');
