import type { HostileScenarioName } from '../servers/hostile-scenarios';
import type { Expectation } from './expectation';
import { expectations } from './expectation';

/**
 * What a plugin that talks to its endpoint must report for each hostile scenario, beyond not
 * reporting success: "cannot reach it" must never read as "the credentials were refused", and
 * only what may pass by itself is transient.
 */
export function networkExpectations(scenario: HostileScenarioName): Expectation[] {
  const { noSuccess, phase, transient } = expectations;
  switch (scenario) {
    case 'connection-refused':
      return [noSuccess(), phase('connect'), transient(true)];
    case 'dns-failure':
      // The host answers the lookup with ENOTFOUND at once: a name that does not exist.
      return [noSuccess(), phase('dns'), transient(false)];
    case 'tls-self-signed':
      return [noSuccess(), phase('tls'), transient(false)];
    case 'never-answers':
      return [noSuccess(), transient(true)];
    case 'http-401':
      return [noSuccess(), phase('auth'), transient(false)];
    case 'http-403':
      return [noSuccess(), phase('authorization'), transient(false)];
    case 'http-404':
      return [noSuccess(), transient(false)];
    case 'http-429':
    case 'http-503':
      return [noSuccess(), transient(true)];
    case 'closes-mid-headers':
    case 'closes-mid-body':
    case 'http-500':
    case 'malformed-json':
      return [noSuccess()];
  }
}
