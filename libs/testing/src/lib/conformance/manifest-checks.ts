import type {
  IntegrationConnectorPlugin,
  PluginManifest,
} from '@stellaops/integrations-plugin-abstractions';
import {
  checkContractVersion,
  CONTRACT_VERSION,
} from '@stellaops/integrations-plugin-abstractions';
import { aPluginHost } from '../fixtures/a-plugin-host';
import { compileSettingsSchema } from './compile-settings-schema';
import type { ConformanceCheckResult } from './conformance-check-result';
import { checkThat } from './conformance-check-result';

export interface ManifestCheckGroup {
  readonly title: string;
  run(): Promise<ConformanceCheckResult[]>;
}

export interface ManifestCheckContext {
  /** The settings of the config the kit builds for a healthy endpoint. */
  readonly kitSettings: () => Promise<Readonly<Record<string, unknown>>>;
  /** How long `isAvailable` may take. */
  readonly timeoutMs: number;
}

const NO_ANSWER = Symbol('no answer');

const isNonEmptyString = (value: unknown): value is string =>
  typeof value === 'string' && value.trim() !== '';

const isStringList = (value: unknown): value is readonly string[] =>
  Array.isArray(value) && value.every((entry) => typeof entry === 'string');

/** The checks on what a plugin declares, which need no endpoint. */
export function manifestChecks(
  plugin: IntegrationConnectorPlugin,
  context: ManifestCheckContext,
): ManifestCheckGroup[] {
  const manifest = (): PluginManifest => {
    const value: unknown = plugin.manifest;
    if (typeof value !== 'object' || value === null)
      throw new TypeError('manifest is not an object');
    return value as PluginManifest;
  };
  const stable = (read: () => unknown, what: string) => (): string | undefined => {
    const first = read();
    if (!isNonEmptyString(first)) return `${what} is ${JSON.stringify(first) ?? 'undefined'}`;
    const second = read();
    return second === first
      ? undefined
      : `${what} changed between reads ('${first}', then '${String(second)}')`;
  };

  return [
    {
      title: 'identity',
      run: async () => [
        await checkThat('name is a non-empty string', () =>
          isNonEmptyString(plugin.name) ? undefined : `name is ${JSON.stringify(plugin.name)}`,
        ),
        await checkThat(
          'type is a non-empty string, the same on every read',
          stable(() => plugin.type, 'type'),
        ),
        await checkThat(
          'provider is a non-empty string, the same on every read',
          stable(() => plugin.provider, 'provider'),
        ),
      ],
    },
    {
      title: 'manifest',
      run: async () => [
        await checkThat('displayName is a non-empty string', () =>
          isNonEmptyString(manifest().displayName) ? undefined : 'displayName is empty or missing',
        ),
        await checkThat(`contractVersion is compatible with ${CONTRACT_VERSION}`, () => {
          const version: unknown = manifest().contractVersion;
          if (typeof version !== 'string') return 'contractVersion is not a string';
          return checkContractVersion(version).reason;
        }),
        await checkThat('requiredScopes is a list of strings', () =>
          isStringList(manifest().requiredScopes) ? undefined : 'requiredScopes is not a string[]',
        ),
        await checkThat('the manifest is the same on every read', () =>
          JSON.stringify(plugin.manifest) === JSON.stringify(plugin.manifest)
            ? undefined
            : 'two reads of manifest differ',
        ),
      ],
    },
    {
      title: 'settings schema',
      run: async () => {
        const compiled = await checkThat('settingsSchema compiles with ajv', () => {
          const schema: unknown = manifest().settingsSchema;
          if (typeof schema !== 'object' || schema === null)
            return 'settingsSchema is not an object';
          compileSettingsSchema(manifest().settingsSchema);
          return undefined;
        });
        if (!compiled.passed) return [compiled];
        return [
          compiled,
          await checkThat('the settings the kit uses satisfy settingsSchema', async () => {
            const validate = compileSettingsSchema(manifest().settingsSchema);
            if (validate(await context.kitSettings())) return undefined;
            const errors = (validate.errors ?? []).map(
              (error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`,
            );
            return `${errors.join('; ')} (pass valid settings in options.settings)`;
          }),
        ];
      },
    },
    {
      title: 'credential slots',
      run: async () => [
        await checkThat('credentialSlots is a list of {name, description, required}', () => {
          const slots: unknown = manifest().credentialSlots;
          if (!Array.isArray(slots)) return 'credentialSlots is not an array';
          const bad = slots.findIndex(
            (slot: unknown) =>
              typeof slot !== 'object' ||
              slot === null ||
              typeof (slot as Record<string, unknown>)['name'] !== 'string' ||
              typeof (slot as Record<string, unknown>)['description'] !== 'string' ||
              typeof (slot as Record<string, unknown>)['required'] !== 'boolean',
          );
          return bad === -1 ? undefined : `credentialSlots[${bad}] is malformed`;
        }),
        await checkThat('credential slot names are non-empty and unique', () => {
          const names = manifest().credentialSlots.map((slot) => slot.name);
          if (!names.every(isNonEmptyString)) return 'a credential slot has an empty name';
          const duplicates = names.filter((name, index) => names.indexOf(name) !== index);
          return duplicates.length === 0
            ? undefined
            : `duplicated: ${[...new Set(duplicates)].join(', ')}`;
        }),
      ],
    },
    {
      title: 'capabilities',
      run: async () => [
        await checkThat('capabilities is a list of distinct non-empty strings', () => {
          const capabilities: unknown = manifest().capabilities;
          if (!isStringList(capabilities)) return 'capabilities is not a string[]';
          if (!capabilities.every(isNonEmptyString)) return 'a capability is empty';
          return new Set(capabilities).size === capabilities.length
            ? undefined
            : 'a capability is listed twice';
        }),
        await checkThat(
          "createScmAnnotationClient is present exactly when 'scm-annotations' is declared",
          () =>
            matchesCapability(
              manifest().capabilities.includes('scm-annotations'),
              typeof plugin.createScmAnnotationClient === 'function',
              'createScmAnnotationClient',
              'scm-annotations',
            ),
        ),
        await checkThat(
          "createRegistryConnector is present exactly when 'registry' is declared",
          () =>
            matchesCapability(
              manifest().capabilities.includes('registry'),
              typeof plugin.createRegistryConnector === 'function',
              'createRegistryConnector',
              'registry',
            ),
        ),
      ],
    },
    {
      title: 'availability',
      run: async () => [
        await checkThat('isAvailable answers a boolean', async () => {
          let timer: NodeJS.Timeout | undefined;
          const answer: unknown = await Promise.race([
            Promise.resolve(plugin.isAvailable(aPluginHost({ timeoutMs: context.timeoutMs }))),
            new Promise<typeof NO_ANSWER>((resolve) => {
              timer = setTimeout(() => resolve(NO_ANSWER), context.timeoutMs);
            }),
          ]).finally(() => clearTimeout(timer));
          if (answer === NO_ANSWER) return `no answer within ${context.timeoutMs} ms`;
          return typeof answer === 'boolean' ? undefined : `answered ${typeof answer}`;
        }),
      ],
    },
  ];
}

function matchesCapability(
  declared: boolean,
  present: boolean,
  method: string,
  capability: string,
): string | undefined {
  if (declared === present) return undefined;
  return declared
    ? `'${capability}' is declared but ${method} is missing`
    : `${method} is present but '${capability}' is not declared`;
}
