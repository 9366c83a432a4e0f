import { ServiceUnavailableException } from '@nestjs/common';

/**
 * A check of a saved registration whose plugin this replica lacks: 503, and nothing recorded.
 * Replicas may run different plugin sets; recording `unknown` here would make the health of a
 * registration flap between replicas, so the check is left to one that has the plugin.
 */
export function pluginNotLoaded(type: string, provider: string): ServiceUnavailableException {
  return new ServiceUnavailableException(
    `this replica lacks the plugin for provider ${provider} (type ${type}), so it does not check this integration or record its health; a replica that has the plugin can (see GET /api/v1/providers on each), or install its package in this replica's PLUGINS_DIR and restart it`,
  );
}
