import type { JsonSchema } from '@stellaops/integrations-plugin-abstractions';

type Node = Readonly<Record<string, unknown>>;

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// The keywords whose value is a subschema, a list of them, or a map of names to them, in every
// dialect a settings schema may use. Other keywords (enum, const, default, examples…) hold data,
// which may well have a `writeOnly` member of its own.
const SCHEMA_KEYWORDS = [
  'additionalProperties',
  'additionalItems',
  'items',
  'contains',
  'propertyNames',
  'if',
  'then',
  'else',
  'not',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
];
const LIST_KEYWORDS = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
const MAP_KEYWORDS = [
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
  'dependencies',
];

function pointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The settings a plugin's schema marks secret: the names of its top-level `properties` whose
 * schema has `writeOnly: true`, sorted. The host seals their values at rest and never shows them
 * (see `PluginManifest.settingsSchema`).
 */
export function secretSettingNames(schema: JsonSchema): readonly string[] {
  const properties = schema.properties;
  if (!isNode(properties)) return [];
  return Object.keys(properties)
    .filter((name) => {
      const property = properties[name];
      return isNode(property) && property['writeOnly'] === true;
    })
    .sort();
}

/**
 * Where a schema sets `writeOnly: true` other than on a top-level property, as JSON pointers
 * into the schema (keyword by keyword, in a fixed order): the root, a nested property, a `$ref`'d definition, an
 * `allOf` branch. Such a mark would seal nothing (only whole top-level settings are sealed), so
 * a host refuses the schema rather than let a plugin author believe a value is protected.
 */
export function misplacedWriteOnly(schema: JsonSchema): string[] {
  const found: string[] = [];
  // A schema built in code may reuse one object in several places (each is visited there) or
  // even refer to itself (a cycle is not followed).
  const ancestors = new Set<object>();
  const visit = (node: unknown, pointer: string, topLevelProperty: boolean): void => {
    if (!isNode(node) || ancestors.has(node)) return;
    ancestors.add(node);
    if (node['writeOnly'] === true && !topLevelProperty) found.push(pointer || '/');
    for (const keyword of SCHEMA_KEYWORDS) {
      visit(node[keyword], `${pointer}/${keyword}`, false);
    }
    for (const keyword of LIST_KEYWORDS) {
      const list = node[keyword];
      if (!Array.isArray(list)) continue;
      list.forEach((item, index) => visit(item, `${pointer}/${keyword}/${index}`, false));
    }
    for (const keyword of MAP_KEYWORDS) {
      const map = node[keyword];
      if (!isNode(map)) continue;
      for (const [name, item] of Object.entries(map)) {
        visit(
          item,
          `${pointer}/${keyword}/${pointerToken(name)}`,
          pointer === '' && keyword === 'properties',
        );
      }
    }
    ancestors.delete(node);
  };
  visit(schema, '', false);
  return found;
}
