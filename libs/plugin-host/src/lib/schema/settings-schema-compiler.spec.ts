import type { JsonSchema } from '@stellaops/integrations-plugin-abstractions';
import { compileSettingsSchema, SettingsSchemaCompiler } from './settings-schema-compiler';
import {
  DEFAULT_SETTINGS_SCHEMA_DIALECT,
  settingsSchemaDialect,
  SettingsSchemaDialects,
} from './settings-schema-dialects';
import { SettingsSchemaError } from './settings-schema.error';

// One keyword each dialect has and the others lack or read differently.
const byDialect: readonly [string, JsonSchema, unknown, unknown][] = [
  [
    'draft-07',
    {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { tags: { type: 'array', items: [{ type: 'string' }], additionalItems: false } },
    },
    { tags: ['a'] },
    { tags: ['a', 'b'] },
  ],
  [
    '2019-09',
    {
      $schema: 'https://json-schema.org/draft/2019-09/schema',
      type: 'object',
      properties: { port: { type: 'integer' } },
      unevaluatedProperties: false,
    },
    { port: 443 },
    { port: 443, other: true },
  ],
  [
    '2020-12',
    {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }], items: false } },
    },
    { pair: ['a'] },
    { pair: ['a', 'b'] },
  ],
];

describe('SettingsSchemaCompiler', () => {
  it.each(byDialect)('compiles a %s schema by its dialect', (_name, schema, valid, invalid) => {
    const validate = SettingsSchemaCompiler.create().compile(schema);
    expect(validate(valid)).toBe(true);
    expect(validate(invalid)).toBe(false);
  });

  it('reads a schema without $schema as 2020-12, the documented default', () => {
    expect(DEFAULT_SETTINGS_SCHEMA_DIALECT).toBe(SettingsSchemaDialects.Draft2020);
    const validate = compileSettingsSchema({
      type: 'object',
      properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }], items: false } },
    });
    expect(validate({ pair: ['a'] })).toBe(true);
    expect(validate({ pair: ['a', 'b'] })).toBe(false);
  });

  it('accepts the usual spellings of a dialect URI', () => {
    for (const uri of [
      'http://json-schema.org/draft-07/schema',
      'https://json-schema.org/draft-07/schema#',
    ]) {
      expect(settingsSchemaDialect({ $schema: uri })).toBe(SettingsSchemaDialects.Draft07);
    }
    expect(
      settingsSchemaDialect({ $schema: 'https://json-schema.org/draft/2020-12/schema#' }),
    ).toBe(SettingsSchemaDialects.Draft2020);
  });

  it('refuses a dialect it does not support, naming the supported ones', () => {
    const compile = () =>
      compileSettingsSchema({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' });
    expect(compile).toThrow(SettingsSchemaError);
    expect(compile).toThrow(/draft-04.*not a supported dialect.*2019-09/);
  });

  it('refuses a schema that does not compile, with the dialect and the first line of why', () => {
    const compile = () =>
      compileSettingsSchema({ type: 'object', properties: { a: { type: 'nope' } } });
    expect(compile).toThrow(SettingsSchemaError);
    expect(compile).toThrow(
      /^settingsSchema does not compile as https:\/\/json-schema.org\/draft\/2020-12\/schema: schema is invalid/,
    );
  });

  it('compiles two schemas with the same $id, and each schema object once', () => {
    const compiler = SettingsSchemaCompiler.create();
    const first = { $id: 'urn:acme:settings', type: 'object', required: ['a'] } as const;
    const second = { $id: 'urn:acme:settings', type: 'object', required: ['b'] } as const;
    expect(compiler.compile(first)({ a: 1 })).toBe(true);
    expect(compiler.compile(second)({ a: 1 })).toBe(false);
    expect(compiler.compile(first)).toBe(compiler.compile(first));
  });

  it('knows the common string formats', () => {
    const validate = compileSettingsSchema({ type: 'string', format: 'uri' });
    expect(validate('https://example.test/')).toBe(true);
    expect(validate('not a uri')).toBe(false);
  });
});
