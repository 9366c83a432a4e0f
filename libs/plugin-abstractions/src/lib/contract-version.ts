/**
 * The version of the plugin contract this package describes. A host accepts a plugin whose
 * manifest declares the same major version and a minor version no newer than the host's.
 */
export const CONTRACT_VERSION = '1.0';

export interface ContractCompatibility {
  readonly compatible: boolean;
  readonly reason?: string;
}

const VERSION_PATTERN = /^(\d+)\.(\d+)$/;

export function checkContractVersion(
  pluginVersion: string,
  hostVersion: string = CONTRACT_VERSION,
): ContractCompatibility {
  const plugin = VERSION_PATTERN.exec(pluginVersion);
  const host = VERSION_PATTERN.exec(hostVersion);
  if (!host) {
    return {
      compatible: false,
      reason: `the host's contract version '${hostVersion}' is not of the form MAJOR.MINOR`,
    };
  }
  if (!plugin) {
    return {
      compatible: false,
      reason: `contract version '${pluginVersion}' is not of the form MAJOR.MINOR`,
    };
  }
  if (Number(plugin[1]) !== Number(host[1])) {
    return {
      compatible: false,
      reason: `contract major version ${plugin[1]} differs from the host's ${host[1]}`,
    };
  }
  if (Number(plugin[2]) > Number(host[2])) {
    return {
      compatible: false,
      reason: `contract version ${pluginVersion} is newer than the host's ${hostVersion}: upgrade the service`,
    };
  }
  return { compatible: true };
}
