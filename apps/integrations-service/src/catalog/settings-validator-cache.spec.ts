import type { JsonSchema } from '@stellaops/integrations-plugin-abstractions';
import { SettingsSchemaError } from '@stellaops/integrations-plugin-host';
import { SettingsValidatorCache } from './settings-validator-cache';

const schema: JsonSchema = {
  type: 'object',
  required: ['project'],
  additionalProperties: false,
  properties: {
    project: { type: 'string', minLength: 1 },
    latencyMs: { type: 'integer', minimum: 0, maximum: 60_000 },
    mode: { enum: ['fast', 'safe'] },
    baseUrl: { type: 'string', format: 'uri' },
    nested: {
      type: 'object',
      properties: { 'a/b': { type: 'boolean' } },
    },
  },
};

describe('SettingsValidatorCache', () => {
  it('compiles a schema once and reuses it', () => {
    const cache = new SettingsValidatorCache();
    expect(cache.validatorFor(schema)).toBe(cache.validatorFor(schema));
  });

  it('accepts valid settings', () => {
    expect(new SettingsValidatorCache().errors(schema, { project: 'p', latencyMs: 10 })).toEqual(
      [],
    );
  });

  it('reports every error with a path under /settings', () => {
    const errors = new SettingsValidatorCache().errors(schema, {
      latencyMs: 60_001,
      mode: 'slow',
      baseUrl: 'not a uri',
      nested: { 'a/b': 'yes' },
      extra: 1,
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: '/settings/project', message: 'is required' },
        { path: '/settings/extra', message: 'is not a setting of this provider' },
        { path: '/settings/latencyMs', message: 'must be <= 60000' },
        { path: '/settings/mode', message: 'must be one of "fast", "safe"' },
        { path: '/settings/baseUrl', message: 'must match format "uri"' },
        { path: '/settings/nested/a~1b', message: 'must be boolean' },
      ]),
    );
    expect(errors).toHaveLength(6);
  });

  it('validates draft 2020-12 schemas in their own dialect', () => {
    const cache = new SettingsValidatorCache();
    const modern: JsonSchema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { list: { type: 'array', prefixItems: [{ type: 'string' }], items: false } },
    };
    expect(cache.errors(modern, { list: ['a'] })).toEqual([]);
    expect(cache.errors(modern, { list: ['a', 'b'] }).map((error) => error.path)).toEqual([
      '/settings/list',
    ]);
  });

  it('validates a 2019-09 schema in its dialect, and reads one without $schema as 2020-12', () => {
    const cache = new SettingsValidatorCache();
    const draft2019: JsonSchema = {
      $schema: 'https://json-schema.org/draft/2019-09/schema',
      type: 'object',
      properties: { port: { type: 'integer' } },
      unevaluatedProperties: false,
    };
    expect(cache.errors(draft2019, { port: 443 })).toEqual([]);
    expect(cache.errors(draft2019, { port: 443, other: 1 })).not.toEqual([]);
    const undeclared: JsonSchema = {
      type: 'object',
      properties: { list: { type: 'array', prefixItems: [{ type: 'string' }], items: false } },
    };
    expect(cache.errors(undeclared, { list: ['a', 'b'] }).map((error) => error.path)).toEqual([
      '/settings/list',
    ]);
  });

  it('keeps two plugins apart when their schemas share an $id', () => {
    const cache = new SettingsValidatorCache();
    const first: JsonSchema = {
      $id: 'https://plugins.example.test/settings.json',
      type: 'object',
      required: ['a'],
    };
    const second: JsonSchema = {
      $id: 'https://plugins.example.test/settings.json',
      type: 'object',
      required: ['b'],
    };
    expect(cache.errors(first, { a: 1 })).toEqual([]);
    expect(cache.errors(second, { b: 1 })).toEqual([]);
  });

  it('throws on a schema that does not compile', () => {
    expect(() =>
      new SettingsValidatorCache().validatorFor({
        type: 'object',
        properties: { a: { type: 'nope' } },
      }),
    ).toThrow(SettingsSchemaError);
  });
});
