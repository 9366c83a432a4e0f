import type { IntegrationConnectorPlugin } from '@stellaops/integrations-plugin-abstractions';
import { createInMemoryPlugin } from './in-memory-connector-plugin';

/** The instance the service loads: an in-memory SCM provider. */
export const inMemoryPlugin = createInMemoryPlugin();

/** What the service's plugin loader reads from a package loaded by name. */
export const plugins: IntegrationConnectorPlugin[] = [inMemoryPlugin];
