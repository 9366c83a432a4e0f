import type {
  IntegrationConnectorPlugin,
  JsonSchema,
} from '@stellaops/integrations-plugin-abstractions';
import type { PluginShapeGroup } from '@stellaops/integrations-plugin-host';
import {
  pluginShapeRuleProblem,
  pluginShapeRules,
  SettingsSchemaCompiler,
} from '@stellaops/integrations-plugin-host';
import { aPluginHost } from '../fixtures/a-plugin-host';
import type { ConformanceCheckResult } from './conformance-check-result';
import { checkThat } from './conformance-check-result';
import { asHostFunction, HostBypassTrap } from './host-bypass-trap';
import { kitAgents } from './kit-agents';

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

/**
 * The checks on what a plugin declares, which need no endpoint: every rule the service applies at
 * load (`pluginShapeRules` from the plugin host, so a plugin passes here exactly when the service
 * accepts its shape), plus what only a test can see: fields that change between reads, the kit's
 * settings against the schema, and `isAvailable`'s answer.
 */
export function manifestChecks(
  plugin: IntegrationConnectorPlugin,
  context: ManifestCheckContext,
): ManifestCheckGroup[] {
  const shapeContext = { compiler: SettingsSchemaCompiler.create() };
  const rulesOf = (group: PluginShapeGroup): Promise<ConformanceCheckResult>[] =>
    pluginShapeRules
      .filter((rule) => rule.group === group)
      .map((rule) =>
        checkThat(rule.title, () => pluginShapeRuleProblem(rule, plugin, shapeContext)),
      );
  const stable = (read: () => unknown, what: string) => (): string | undefined => {
    const first = read();
    const second = read();
    return second === first
      ? undefined
      : `${what} changed between reads ('${String(first)}', then '${String(second)}')`;
  };

  return [
    {
      title: 'identity',
      run: async () =>
        Promise.all([
          ...rulesOf('identity'),
          checkThat(
            'type is the same on every read',
            stable(() => plugin.type, 'type'),
          ),
          checkThat(
            'provider is the same on every read',
            stable(() => plugin.provider, 'provider'),
          ),
        ]),
    },
    {
      title: 'manifest',
      run: async () =>
        Promise.all([
          ...rulesOf('manifest'),
          checkThat('the manifest is the same on every read', () =>
            JSON.stringify(plugin.manifest) === JSON.stringify(plugin.manifest)
              ? undefined
              : 'two reads of manifest differ',
          ),
        ]),
    },
    {
      title: 'settings schema',
      run: async () => {
        const compiled = await Promise.all(rulesOf('settings schema'));
        if (!compiled.every((verdict) => verdict.passed)) return compiled;
        return [
          ...compiled,
          await checkThat('the settings the kit uses satisfy settingsSchema', async () => {
            const validate = shapeContext.compiler.compile(
              plugin.manifest.settingsSchema as JsonSchema,
            );
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
      run: async () => Promise.all(rulesOf('credential slots')),
    },
    {
      title: 'capabilities',
      run: async () => Promise.all(rulesOf('capabilities')),
    },
    {
      title: 'availability',
      run: async () => {
        const agents = kitAgents();
        const host = aPluginHost({
          timeoutMs: context.timeoutMs,
          fetch: asHostFunction((input, init) => globalThis.fetch(input, init)),
          agents,
        });
        const trap = HostBypassTrap.open(agents);
        try {
          const answers = await checkThat('isAvailable answers a boolean', async () => {
            let timer: NodeJS.Timeout | undefined;
            const answer: unknown = await Promise.race([
              trap.run(() => Promise.resolve(plugin.isAvailable(host))),
              new Promise<typeof NO_ANSWER>((resolve) => {
                timer = setTimeout(() => resolve(NO_ANSWER), context.timeoutMs);
              }),
            ]).finally(() => clearTimeout(timer));
            if (answer === NO_ANSWER) return `no answer within ${context.timeoutMs} ms`;
            return typeof answer === 'boolean' ? undefined : `answered ${typeof answer}`;
          });
          const throughHost = await checkThat(
            'isAvailable makes its network calls through the host',
            () => (trap.bypasses.length === 0 ? undefined : trap.bypasses.join('; ')),
          );
          return [answers, throughHost];
        } finally {
          trap.close();
          agents.destroy();
        }
      },
    },
  ];
}
