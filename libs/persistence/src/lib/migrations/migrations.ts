import { InitialSchema1795392000000 } from './1795392000000-initial-schema';
import { ListingIndexes1796256000000 } from './1796256000000-listing-indexes';
import { HealthPolling1796342400000 } from './1796342400000-health-polling';
import { SecretSettings1796428800000 } from './1796428800000-secret-settings';
import { IntegrationsFillfactor1796515200000 } from './1796515200000-integrations-fillfactor';

/** Every committed migration, oldest first. Add new ones at the end; never edit an applied one. */
export const MIGRATIONS = [
  InitialSchema1795392000000,
  ListingIndexes1796256000000,
  HealthPolling1796342400000,
  SecretSettings1796428800000,
  IntegrationsFillfactor1796515200000,
];
