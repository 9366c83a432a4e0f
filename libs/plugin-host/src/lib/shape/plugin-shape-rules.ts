import {
  Capabilities,
  checkContractVersion,
  CHECK_TIMEOUT_BOUNDS_MS,
  CONTRACT_VERSION,
} from '@stellaops/integrations-plugin-abstractions';
import type { JsonSchema } from '@stellaops/integrations-plugin-abstractions';
import type { SettingsSchemaCompiler } from '../schema/settings-schema-compiler';
import { misplacedWriteOnly } from '../schema/secret-settings';

export type PluginShapeGroup =
  'identity' | 'manifest' | 'settings schema' | 'credential slots' | 'capabilities';

/** What a rule may use besides the candidate. */
export interface PluginShapeContext {
  readonly compiler: SettingsSchemaCompiler;
}

/** One thing a host relies on in a plugin, checked without calling the plugin. */
export interface PluginShapeRule {
  readonly group: PluginShapeGroup;
  /** What holds when the rule passes, e.g. "name is a non-empty string". */
  readonly title: string;
  /** What is wrong, or undefined when the rule holds. Never throws. */
  problem(candidate: unknown, context: PluginShapeContext): string | undefined;
}

type Fields = Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is Fields =>
  (typeof value === 'object' || typeof value === 'function') &&
  value !== null &&
  !Array.isArray(value);

const isNonEmptyString = (value: unknown): value is string =>
  typeof value === 'string' && value.trim() !== '';

const isStringList = (value: unknown): value is readonly string[] =>
  Array.isArray(value) && value.every((entry) => typeof entry === 'string');

const shown = (value: unknown): string =>
  value === undefined
    ? 'undefined'
    : typeof value === 'function'
      ? 'a function'
      : JSON.stringify(value);

const NOT_A_PLUGIN = 'the plugin is not an object';
const NO_MANIFEST = 'manifest is not an object';

/** Each capability a plugin may declare, with the factory method that provides it. */
export const CAPABILITY_FACTORIES: readonly (readonly [capability: string, factory: string])[] = [
  [Capabilities.ScmAnnotations, 'createScmAnnotationClient'],
  [Capabilities.Registry, 'createRegistryConnector'],
];

type Problem = PluginShapeRule['problem'];

function onPlugin(
  check: (plugin: Fields, context: PluginShapeContext) => string | undefined,
): Problem {
  return (candidate, context) => (isRecord(candidate) ? check(candidate, context) : NOT_A_PLUGIN);
}

function onManifest(
  check: (manifest: Fields, plugin: Fields, context: PluginShapeContext) => string | undefined,
): Problem {
  return onPlugin((plugin, context) => {
    const manifest = plugin['manifest'];
    return isRecord(manifest) ? check(manifest, plugin, context) : NO_MANIFEST;
  });
}

function nonEmptyField(field: string): PluginShapeRule {
  return {
    group: 'identity',
    title: `${field} is a non-empty string`,
    problem: onPlugin((plugin) =>
      isNonEmptyString(plugin[field]) ? undefined : `${field} is ${shown(plugin[field])}`,
    ),
  };
}

function method(name: string): PluginShapeRule {
  return {
    group: 'identity',
    title: `${name} is a function`,
    problem: onPlugin((plugin) =>
      typeof plugin[name] === 'function' ? undefined : `${name} is not a function`,
    ),
  };
}

function capabilityFactory(capability: string, factory: string): PluginShapeRule {
  return {
    group: 'capabilities',
    title: `${factory} is present exactly when '${capability}' is declared`,
    problem: onManifest((manifest, plugin) => {
      const capabilities = manifest['capabilities'];
      if (!isStringList(capabilities)) return 'capabilities is not a list of strings';
      const declared = capabilities.includes(capability);
      const present = typeof plugin[factory] === 'function';
      if (declared === present) return undefined;
      return declared
        ? `'${capability}' is declared but ${factory} is missing`
        : `${factory} is present but '${capability}' is not declared`;
    }),
  };
}

/**
 * The rules a plugin's shape and manifest must satisfy, in the order they are checked. The
 * service refuses a plugin that breaks any of them at load; the conformance kit reports each one
 * as a check, so a plugin passes the kit exactly when the service accepts its shape.
 */
export const pluginShapeRules: readonly PluginShapeRule[] = Object.freeze([
  nonEmptyField('name'),
  nonEmptyField('type'),
  nonEmptyField('provider'),
  method('isAvailable'),
  method('testConnection'),
  method('checkHealth'),
  {
    group: 'manifest',
    title: 'manifest is an object',
    problem: onManifest(() => undefined),
  },
  {
    group: 'manifest',
    title: 'displayName is a non-empty string',
    problem: onManifest((manifest) =>
      isNonEmptyString(manifest['displayName']) ? undefined : 'displayName is empty or missing',
    ),
  },
  {
    group: 'manifest',
    title: `contractVersion is compatible with ${CONTRACT_VERSION}`,
    problem: onManifest((manifest) => {
      const version = manifest['contractVersion'];
      if (typeof version !== 'string') {
        return 'contractVersion is not a string (set it to CONTRACT_VERSION)';
      }
      return checkContractVersion(version).reason;
    }),
  },
  {
    group: 'manifest',
    title: 'requiredScopes is a list of strings',
    problem: onManifest((manifest) =>
      isStringList(manifest['requiredScopes'])
        ? undefined
        : 'requiredScopes is not a list of strings',
    ),
  },
  {
    group: 'manifest',
    title: `checkTimeoutMs, when set, is an integer from ${CHECK_TIMEOUT_BOUNDS_MS.min} to ${CHECK_TIMEOUT_BOUNDS_MS.max}`,
    problem: onManifest((manifest) => {
      const timeout = manifest['checkTimeoutMs'];
      if (timeout === undefined) return undefined;
      return Number.isInteger(timeout) &&
        (timeout as number) >= CHECK_TIMEOUT_BOUNDS_MS.min &&
        (timeout as number) <= CHECK_TIMEOUT_BOUNDS_MS.max
        ? undefined
        : `checkTimeoutMs is ${JSON.stringify(timeout)}, not an integer from ${CHECK_TIMEOUT_BOUNDS_MS.min} to ${CHECK_TIMEOUT_BOUNDS_MS.max} (milliseconds)`;
    }),
  },
  {
    group: 'settings schema',
    title: 'settingsSchema is a supported JSON Schema that compiles',
    problem: onManifest((manifest, _plugin, { compiler }) => {
      const schema = manifest['settingsSchema'];
      if (!isRecord(schema)) return 'settingsSchema is not an object';
      try {
        compiler.compile(schema as JsonSchema);
        return undefined;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    }),
  },
  {
    group: 'settings schema',
    title: 'writeOnly (a secret setting) marks top-level properties only',
    problem: onManifest((manifest) => {
      const schema = manifest['settingsSchema'];
      if (!isRecord(schema)) return 'settingsSchema is not an object';
      const misplaced = misplacedWriteOnly(schema as JsonSchema);
      if (misplaced.length === 0) return undefined;
      const shownPointers = misplaced.slice(0, 3).join(', ');
      const more = misplaced.length > 3 ? ` and ${misplaced.length - 3} more` : '';
      return `settingsSchema sets writeOnly at ${shownPointers}${more}: only a top-level property (/properties/<name>) can be a secret setting, which the host seals as a whole; mark that setting writeOnly instead`;
    }),
  },
  {
    group: 'credential slots',
    title: 'credentialSlots is a list of {name, description, required}',
    problem: onManifest((manifest) => {
      const slots = manifest['credentialSlots'];
      if (!Array.isArray(slots)) return 'credentialSlots is not a list';
      const bad = slots.findIndex(
        (slot: unknown) =>
          !isRecord(slot) ||
          typeof slot['name'] !== 'string' ||
          typeof slot['description'] !== 'string' ||
          typeof slot['required'] !== 'boolean',
      );
      return bad === -1
        ? undefined
        : `credentialSlots[${bad}] is not a { name, description, required } object`;
    }),
  },
  {
    group: 'credential slots',
    title: 'credential slot names are non-empty and unique',
    problem: onManifest((manifest) => {
      const slots = manifest['credentialSlots'];
      if (!Array.isArray(slots)) return 'credentialSlots is not a list';
      const names = slots.map((slot: unknown) => (isRecord(slot) ? slot['name'] : undefined));
      if (!names.every(isNonEmptyString)) return 'a credential slot has an empty name';
      const duplicates = names.filter((name, index) => names.indexOf(name) !== index);
      return duplicates.length === 0
        ? undefined
        : `credential slot names are duplicated: ${[...new Set(duplicates)].join(', ')}`;
    }),
  },
  {
    group: 'capabilities',
    title: 'capabilities is a list of distinct non-empty strings',
    problem: onManifest((manifest) => {
      const capabilities = manifest['capabilities'];
      if (!isStringList(capabilities)) return 'capabilities is not a list of strings';
      if (!capabilities.every(isNonEmptyString)) return 'a capability is empty';
      return new Set(capabilities).size === capabilities.length
        ? undefined
        : 'a capability is listed twice';
    }),
  },
  ...CAPABILITY_FACTORIES.map(([capability, factory]) => capabilityFactory(capability, factory)),
]);

/**
 * What `rule` finds wrong with `candidate`. A getter that throws (a plugin's fields may be
 * accessors) is reported as the problem instead of escaping.
 */
export function pluginShapeRuleProblem(
  rule: PluginShapeRule,
  candidate: unknown,
  context: PluginShapeContext,
): string | undefined {
  try {
    return rule.problem(candidate, context);
  } catch (error) {
    return `reading the plugin threw: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Why `candidate` is not a usable connector plugin, or undefined when it is one: the first rule
 * of `pluginShapeRules` it breaks.
 */
export function pluginShapeProblem(
  candidate: unknown,
  context: PluginShapeContext,
): string | undefined {
  for (const rule of pluginShapeRules) {
    const problem = pluginShapeRuleProblem(rule, candidate, context);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
