import * as abstractions from '@stellaops/integrations-plugin-abstractions';
import * as vocabulary from './vocabulary';

describe('core vocabulary', () => {
  it("re-exports the contract's own values, not copies", () => {
    const names = Object.keys(vocabulary);
    expect(names.sort()).toEqual([
      'Capabilities',
      'CheckPhases',
      'HealthStatuses',
      'IntegrationProviders',
      'IntegrationStatuses',
      'IntegrationTypes',
      'isCheckPhase',
      'isHealthStatus',
      'isIntegrationStatus',
    ]);
    for (const name of names) {
      expect(vocabulary[name as keyof typeof vocabulary]).toBe(
        abstractions[name as keyof typeof abstractions],
      );
    }
  });
});
