import { pointerToken } from '@stellaops/integrations-contracts';
import type { FieldError } from '@stellaops/integrations-core';
import type { JsonSchema } from '@stellaops/integrations-plugin-abstractions';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

type Validator = Pick<Ajv, 'compile'>;

function createAjv<T extends Ajv>(AjvClass: new (options: object) => T): T {
  // strict: false because a third-party schema may carry annotations ajv does not know;
  // addUsedSchema: false because two plugins may well give their schemas the same $id.
  const ajv = new AjvClass({ allErrors: true, strict: false, addUsedSchema: false });
  addFormats(ajv);
  return ajv;
}

function fieldError(error: ErrorObject): FieldError {
  const at = `/settings${error.instancePath}`;
  switch (error.keyword) {
    case 'required': {
      const { missingProperty } = error.params as { missingProperty: string };
      return { path: `${at}/${pointerToken(missingProperty)}`, message: 'is required' };
    }
    case 'additionalProperties': {
      const { additionalProperty } = error.params as { additionalProperty: string };
      return {
        path: `${at}/${pointerToken(additionalProperty)}`,
        message: 'is not a setting of this provider',
      };
    }
    case 'enum': {
      const { allowedValues } = error.params as { allowedValues: unknown[] };
      return {
        path: at,
        message: `must be one of ${allowedValues.map((value) => JSON.stringify(value)).join(', ')}`,
      };
    }
    default:
      return { path: at, message: error.message ?? 'is invalid' };
  }
}

/**
 * Compiles each plugin's settings schema once (with ajv-formats, reporting every error) and
 * validates settings against it. Draft 2020-12 schemas get ajv's 2020 dialect, others draft-07.
 */
export class SettingsValidatorCache {
  private readonly compiled = new WeakMap<JsonSchema, ValidateFunction>();
  private draft07: Validator | undefined;
  private draft2020: Validator | undefined;

  /** Compiles (once) the validator of a schema; throws when the schema itself is invalid. */
  validatorFor(schema: JsonSchema): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (validate === undefined) {
      validate = this.dialectOf(schema).compile(schema);
      this.compiled.set(schema, validate);
    }
    return validate;
  }

  /** The field errors of `settings`, with paths under `/settings`; empty when they are valid. */
  errors(schema: JsonSchema, settings: unknown): FieldError[] {
    const validate = this.validatorFor(schema);
    if (validate(settings)) return [];
    const seen = new Set<string>();
    const errors: FieldError[] = [];
    for (const error of validate.errors ?? []) {
      const field = fieldError(error);
      const key = `${field.path}\u0000${field.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      errors.push(field);
    }
    return errors;
  }

  private dialectOf(schema: JsonSchema): Validator {
    if (typeof schema.$schema === 'string' && schema.$schema.includes('2020-12')) {
      return (this.draft2020 ??= createAjv(Ajv2020));
    }
    return (this.draft07 ??= createAjv(Ajv));
  }
}
