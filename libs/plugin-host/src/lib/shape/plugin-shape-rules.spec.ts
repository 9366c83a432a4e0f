import { CONTRACT_VERSION } from '@stellaops/integrations-plugin-abstractions';
import { SettingsSchemaCompiler } from '../schema/settings-schema-compiler';
import { pluginShapeProblem, pluginShapeRuleProblem, pluginShapeRules } from './plugin-shape-rules';

const context = { compiler: SettingsSchemaCompiler.create() };

function aPlugin(overrides: Record<string, unknown> = {}, manifest: Record<string, unknown> = {}) {
  return {
    name: 'acme',
    type: 'ci',
    provider: 'acme',
    isAvailable: () => true,
    testConnection: async () => undefined,
    checkHealth: async () => undefined,
    manifest: {
      displayName: 'Acme',
      contractVersion: CONTRACT_VERSION,
      settingsSchema: { type: 'object' },
      credentialSlots: [{ name: 'token', description: 'API token', required: true }],
      requiredScopes: [],
      capabilities: [],
      ...manifest,
    },
    ...overrides,
  };
}

describe('pluginShapeRules', () => {
  it('accept a well-formed plugin', () => {
    expect(pluginShapeProblem(aPlugin(), context)).toBeUndefined();
    expect(pluginShapeProblem(aPlugin({}, { checkTimeoutMs: 30_000 }), context)).toBeUndefined();
  });

  it.each([
    ['a non-object', 42, 'the plugin is not an object'],
    ['an empty provider', aPlugin({ provider: ' ' }), 'provider is " "'],
    ['no checkHealth', aPlugin({ checkHealth: undefined }), 'checkHealth is not a function'],
    ['no manifest', aPlugin({ manifest: null }), 'manifest is not an object'],
    ['a future contract', aPlugin({}, { contractVersion: '2.0' }), /contract major version 2/],
    [
      'a check time limit that is not whole milliseconds',
      aPlugin({}, { checkTimeoutMs: 2.5 }),
      'checkTimeoutMs is 2.5, not an integer from 100 to 300000 (milliseconds)',
    ],
    [
      'a check time limit past five minutes',
      aPlugin({}, { checkTimeoutMs: 300_001 }),
      /^checkTimeoutMs is 300001/,
    ],
    [
      'an unsupported dialect',
      aPlugin({}, { settingsSchema: { $schema: 'http://json-schema.org/draft-04/schema#' } }),
      /not a supported dialect/,
    ],
    [
      'a schema that does not compile',
      aPlugin({}, { settingsSchema: { type: 'nope' } }),
      /^settingsSchema does not compile/,
    ],
    [
      'writeOnly on a nested property',
      aPlugin(
        {},
        {
          settingsSchema: {
            type: 'object',
            properties: {
              webhook: {
                type: 'object',
                properties: { secret: { type: 'string', writeOnly: true } },
              },
            },
          },
        },
      ),
      'settingsSchema sets writeOnly at /properties/webhook/properties/secret: only a top-level property (/properties/<name>) can be a secret setting, which the host seals as a whole; mark that setting writeOnly instead',
    ],
    [
      'writeOnly on definitions and branches',
      aPlugin(
        {},
        {
          settingsSchema: {
            writeOnly: true,
            $defs: { secret: { type: 'string', writeOnly: true } },
            allOf: [{ writeOnly: true }],
            items: { writeOnly: true },
          },
        },
      ),
      /^settingsSchema sets writeOnly at \/, \/items, \/allOf\/0 and 1 more: /,
    ],
    [
      'a slot without a description',
      aPlugin({}, { credentialSlots: [{ name: 'token', required: true }] }),
      'credentialSlots[0] is not a { name, description, required } object',
    ],
    [
      'a slot named twice',
      aPlugin(
        {},
        {
          credentialSlots: [
            { name: 'token', description: '', required: true },
            { name: 'token', description: '', required: false },
          ],
        },
      ),
      'credential slot names are duplicated: token',
    ],
    [
      'a capability without its factory',
      aPlugin({}, { capabilities: ['registry'] }),
      "'registry' is declared but createRegistryConnector is missing",
    ],
    [
      'a factory without its capability',
      aPlugin({ createScmAnnotationClient: () => ({}) }),
      "createScmAnnotationClient is present but 'scm-annotations' is not declared",
    ],
  ])('refuse %s', (_name, candidate, expected) => {
    const problem = pluginShapeProblem(candidate, context);
    if (typeof expected === 'string') expect(problem).toBe(expected);
    else expect(problem).toMatch(expected);
  });

  it('accept writeOnly on top-level properties, and a writeOnly member of data', () => {
    const secret = { type: 'string', writeOnly: true };
    const settingsSchema = {
      type: 'object',
      properties: {
        webhookSecret: secret,
        // A setting named writeOnly, and data that merely has such a member.
        writeOnly: true,
        options: { type: 'object', default: { writeOnly: true }, enum: [{ writeOnly: true }] },
      },
    };
    expect(pluginShapeProblem(aPlugin({}, { settingsSchema }), context)).toBeUndefined();
  });

  it('report a throwing getter as the problem', () => {
    const candidate = aPlugin();
    Object.defineProperty(candidate, 'provider', {
      get: () => {
        throw new Error('not yet');
      },
    });
    const rule = pluginShapeRules.find((each) => each.title.startsWith('provider'));
    expect(rule && pluginShapeRuleProblem(rule, candidate, context)).toBe(
      'reading the plugin threw: not yet',
    );
  });

  it('have a distinct title each', () => {
    const titles = pluginShapeRules.map((rule) => rule.title);
    expect(new Set(titles).size).toBe(titles.length);
  });
});
