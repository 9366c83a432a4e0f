import type { JsonSchema } from '@stellaops/integrations-plugin-abstractions';
import { misplacedWriteOnly, secretSettingNames } from './secret-settings';

describe('secretSettingNames', () => {
  it('names the top-level properties marked writeOnly, sorted', () => {
    expect(
      secretSettingNames({
        type: 'object',
        properties: {
          webhookSecret: { type: 'string', writeOnly: true },
          apiPassword: { type: 'string', writeOnly: true },
          project: { type: 'string' },
          readOnlyish: { type: 'string', writeOnly: false },
          quoted: { type: 'string', writeOnly: 'true' },
          // A boolean schema: valid JSON Schema, and not an object to mark.
          anything: true as unknown as JsonSchema,
        },
      }),
    ).toEqual(['apiPassword', 'webhookSecret']);
  });

  it('finds none without properties', () => {
    expect(secretSettingNames({ type: 'object' })).toEqual([]);
    expect(secretSettingNames({ type: 'object', properties: {} })).toEqual([]);
  });
});

describe('misplacedWriteOnly', () => {
  it('is empty for writeOnly on top-level properties only', () => {
    expect(
      misplacedWriteOnly({
        type: 'object',
        properties: { a: { type: 'string', writeOnly: true }, b: { type: 'integer' } },
      }),
    ).toEqual([]);
  });

  it('points at every other place, escaping names', () => {
    const secret = { type: 'string', writeOnly: true };
    expect(
      misplacedWriteOnly({
        writeOnly: true,
        properties: {
          top: secret,
          'a/b': { type: 'object', properties: { nested: secret } },
        },
        additionalProperties: secret,
        patternProperties: { '^x-': secret },
        $defs: { secret },
        definitions: { 'd~1': secret },
        oneOf: [{}, secret],
        if: { then: secret },
        dependentSchemas: { top: secret },
      }),
    ).toEqual([
      '/',
      '/additionalProperties',
      '/if/then',
      '/oneOf/1',
      '/properties/a~1b/properties/nested',
      '/patternProperties/^x-',
      '/$defs/secret',
      '/definitions/d~01',
      '/dependentSchemas/top',
    ]);
  });

  it('visits a reused subschema everywhere it is used and stops at a cycle', () => {
    const secret = { type: 'string', writeOnly: true };
    const loop: Record<string, unknown> = { type: 'object' };
    loop['properties'] = { again: loop, inner: secret };
    expect(
      misplacedWriteOnly({ properties: { top: secret, nested: { items: secret }, loop } }),
    ).toEqual(['/properties/nested/items', '/properties/loop/properties/inner']);
  });
});
