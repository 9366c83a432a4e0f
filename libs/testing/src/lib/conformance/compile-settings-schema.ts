import type { JsonSchema } from '@stellaops/integrations-plugin-abstractions';
import type { AnySchema, ValidateFunction } from 'ajv';
import Ajv from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * Compiles a manifest's settings schema the way a host can: draft-07, 2019-09 or 2020-12 by its
 * `$schema` (2020-12 when it names none), with the common string formats. Throws when it does
 * not compile.
 */
export function compileSettingsSchema(schema: JsonSchema): ValidateFunction {
  const dialect = schema.$schema ?? '';
  const options = { strict: false, allErrors: true } as const;
  const ajv = dialect.includes('draft-07')
    ? new Ajv(options)
    : dialect.includes('2019-09')
      ? new Ajv2019(options)
      : new Ajv2020(options);
  addFormats(ajv);
  return ajv.compile(schema as AnySchema);
}
