import type { JsonSchema } from '@stellaops/integrations-plugin-abstractions';
import { SettingsSchemaError } from './settings-schema.error';

/** The JSON Schema dialects a plugin's settings schema may declare in `$schema`. */
export const SettingsSchemaDialects = {
  Draft07: 'http://json-schema.org/draft-07/schema#',
  Draft2019: 'https://json-schema.org/draft/2019-09/schema',
  Draft2020: 'https://json-schema.org/draft/2020-12/schema',
} as const;

export type SettingsSchemaDialect =
  (typeof SettingsSchemaDialects)[keyof typeof SettingsSchemaDialects];

/**
 * The dialect of a schema that names none. 2020-12 is the current JSON Schema; a schema written for
 * draft-07 says so with `$schema`.
 */
export const DEFAULT_SETTINGS_SCHEMA_DIALECT: SettingsSchemaDialect =
  SettingsSchemaDialects.Draft2020;

// The spellings in use for each dialect: with or without the empty fragment, http or https.
function spellings(uri: string): string[] {
  const bare = uri.replace(/#$/, '');
  const other = bare.startsWith('https:')
    ? bare.replace(/^https:/, 'http:')
    : bare.replace(/^http:/, 'https:');
  return [bare, `${bare}#`, other, `${other}#`];
}

const DIALECT_BY_URI = new Map<string, SettingsSchemaDialect>(
  Object.values(SettingsSchemaDialects).flatMap((dialect) =>
    spellings(dialect).map((uri) => [uri, dialect] as const),
  ),
);

/**
 * The dialect `schema` is written in: the one its `$schema` names, or the default when it names
 * none. Throws a `SettingsSchemaError` for any other `$schema`.
 */
export function settingsSchemaDialect(schema: JsonSchema): SettingsSchemaDialect {
  const declared: unknown = schema.$schema;
  if (declared === undefined) return DEFAULT_SETTINGS_SCHEMA_DIALECT;
  const dialect = typeof declared === 'string' ? DIALECT_BY_URI.get(declared.trim()) : undefined;
  if (dialect === undefined) {
    throw new SettingsSchemaError(
      `settingsSchema declares $schema ${JSON.stringify(declared)}, which is not a supported dialect; use one of ${Object.values(
        SettingsSchemaDialects,
      ).join(', ')} (or none, for ${DEFAULT_SETTINGS_SCHEMA_DIALECT})`,
    );
  }
  return dialect;
}
