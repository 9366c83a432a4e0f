import type { TestRequestHandler } from '@stellaops/integrations-testing';
import { describeConnectorConformance, respondJson } from '@stellaops/integrations-testing';
import { acmeCiPlugin } from './acme-ci-plugin';

/** A small Acme CI: it knows whom a bearer token belongs to, and two projects. */
const acmeCi: TestRequestHandler = (request, response) => {
  if (!request.headers.authorization?.startsWith('Bearer ')) {
    respondJson(response, 401, { message: 'Unauthorized' });
  } else if (request.url === '/api/v1/user') {
    respondJson(response, 200, { login: 'stella-bot' });
  } else if (request.url === '/api/v1/projects/payments') {
    respondJson(response, 200, { name: 'payments', archived: false });
  } else if (request.url === '/api/v1/projects/legacy') {
    respondJson(response, 200, { name: 'legacy', archived: true });
  } else {
    respondJson(response, 404, { message: 'Not Found' });
  }
};

describeConnectorConformance(acmeCiPlugin, {
  // Valid settings for the manifest's settingsSchema; the kit checks that they are.
  settings: { project: 'payments' },
  // Keep it short so the suite runs in seconds; "never answers" waits this long per operation.
  timeoutMs: 1000,
  successCases: [
    {
      name: 'the token works and the project is reachable',
      // A local server for this case; its URL becomes the endpoint.
      handler: acmeCi,
      expect: { status: 'healthy' },
    },
    {
      name: 'the project is archived',
      settings: { project: 'legacy' },
      handler: acmeCi,
      // Only testConnection looks at the project.
      operations: ['testConnection'],
      expect: { status: 'degraded' },
    },
  ],
  failureCases: [
    {
      name: 'the project does not exist',
      settings: { project: 'nope' },
      handler: acmeCi,
      operations: ['testConnection'],
      expect: { phase: 'api', isTransient: false },
    },
    {
      name: 'the secret store is down',
      failingSecrets: ['token'],
      expect: { phase: 'auth', isTransient: true },
    },
  ],
});
