import { Capabilities } from '@stellaops/integrations-plugin-abstractions';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function isStringArray(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function manifestProblem(manifest: unknown): string | undefined {
  if (!isRecord(manifest)) return 'its manifest is not an object';
  if (!isNonEmptyString(manifest['displayName'])) return 'its manifest has no displayName';
  if (typeof manifest['contractVersion'] !== 'string') {
    return 'its manifest has no contractVersion (set it to CONTRACT_VERSION)';
  }
  if (!isRecord(manifest['settingsSchema'])) return 'its manifest has no settingsSchema object';
  const slots = manifest['credentialSlots'];
  if (
    !Array.isArray(slots) ||
    !slots.every(
      (slot) =>
        isRecord(slot) && isNonEmptyString(slot['name']) && typeof slot['required'] === 'boolean',
    )
  ) {
    return 'its manifest credentialSlots is not a list of { name, description, required }';
  }
  if (!isStringArray(manifest['requiredScopes'])) {
    return 'its manifest requiredScopes is not a list of strings';
  }
  if (!isStringArray(manifest['capabilities'])) {
    return 'its manifest capabilities is not a list of strings';
  }
  return undefined;
}

/**
 * Why `candidate` is not a usable connector plugin, or undefined when it is one. Checks what the
 * service relies on without calling the plugin: the identity strings, the manifest's shape, the
 * methods, and that each declared capability comes with the method that provides it.
 */
export function pluginShapeProblem(candidate: unknown): string | undefined {
  if (!isRecord(candidate)) return 'it is not an object';
  for (const field of ['name', 'type', 'provider']) {
    if (!isNonEmptyString(candidate[field])) return `its ${field} is not a non-empty string`;
  }
  for (const method of ['isAvailable', 'testConnection', 'checkHealth']) {
    if (typeof candidate[method] !== 'function') return `its ${method} is not a function`;
  }
  const problem = manifestProblem(candidate['manifest']);
  if (problem !== undefined) return problem;
  const capabilities = (candidate['manifest'] as { capabilities: readonly string[] }).capabilities;
  const factories: readonly [string, string][] = [
    [Capabilities.ScmAnnotations, 'createScmAnnotationClient'],
    [Capabilities.Registry, 'createRegistryConnector'],
  ];
  for (const [capability, factory] of factories) {
    if (capabilities.includes(capability) && typeof candidate[factory] !== 'function') {
      return `it declares the '${capability}' capability but has no ${factory} function`;
    }
  }
  return undefined;
}
