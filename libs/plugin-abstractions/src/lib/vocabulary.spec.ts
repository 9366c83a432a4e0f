import {
  CheckPhases,
  HealthStatuses,
  IntegrationStatuses,
  isCheckPhase,
  isHealthStatus,
  isIntegrationStatus,
} from './vocabulary';

describe('vocabulary guards', () => {
  it.each([
    ['isHealthStatus', isHealthStatus, HealthStatuses],
    ['isCheckPhase', isCheckPhase, CheckPhases],
    ['isIntegrationStatus', isIntegrationStatus, IntegrationStatuses],
  ] as const)('%s accepts exactly its values', (_name, guard, values) => {
    for (const value of values) expect(guard(value)).toBe(true);
    for (const other of ['', 'HEALTHY', 'network', ' active', 1, null, undefined, {}]) {
      expect(guard(other)).toBe(false);
    }
  });
});
