import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { PluginAgents } from '@stellaops/integrations-plugin-abstractions';

export interface KitAgents extends PluginAgents {
  /** Closes the connections they keep. */
  destroy(): void;
}

/**
 * The agents of a host the kit builds, fresh for each call: with the global agents as the
 * host's, a plugin passing `https.globalAgent` would pass the kit and go around the service's
 * host.
 */
export function kitAgents(): KitAgents {
  const http = new HttpAgent();
  const https = new HttpsAgent();
  return {
    http,
    https,
    destroy: () => {
      http.destroy();
      https.destroy();
    },
  };
}
