import { pointerToken } from '@stellaops/integrations-contracts';
import type { FieldError } from '@stellaops/integrations-core';
import type { JsonSchema } from '@stellaops/integrations-plugin-abstractions';
import { SettingsSchemaCompiler } from '@stellaops/integrations-plugin-host';
import type { ErrorObject, ValidateFunction } from 'ajv';

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
 * Validates settings against a plugin's settings schema, compiled by the plugin host's compiler
 * (the one the plugin registry checked it with at load, and the conformance kit uses), and maps
 * ajv's errors to field errors under `/settings`, each reported once.
 */
export class SettingsValidatorCache {
  constructor(
    private readonly compiler: SettingsSchemaCompiler = SettingsSchemaCompiler.shared(),
  ) {}

  /** The validator of a schema; throws a `SettingsSchemaError` when it cannot be used. */
  validatorFor(schema: JsonSchema): ValidateFunction {
    return this.compiler.compile(schema);
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
}
