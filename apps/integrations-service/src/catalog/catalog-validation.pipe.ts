import type { Type } from '@nestjs/common';
import { ValidationPipe } from '@nestjs/common';
import { DTO_VALIDATOR_OPTIONS, toFieldErrors } from '@stellaops/integrations-contracts';
import type { FieldError } from '@stellaops/integrations-core';
import { InputError } from '@stellaops/integrations-core';

const MAX_LISTED = 5;

/** A detail line naming the fields at fault; field messages never repeat a value. */
export function invalidInput(what: string, errors: readonly FieldError[]): InputError {
  const listed = errors
    .slice(0, MAX_LISTED)
    .map((error) => `${error.path} ${error.message}`)
    .join('; ');
  const more = errors.length > MAX_LISTED ? ` (and ${errors.length - MAX_LISTED} more)` : '';
  return new InputError(`${what}: ${listed}${more}`, errors);
}

/**
 * Validates a body or query against its contract DTO: converts it to the DTO class (trimming,
 * defaults), refuses undeclared properties, and reports every failure as an InputError whose
 * `errors[]` carry JSON-pointer-like field paths. The DTO class is given, not read from the
 * parameter's reflected type, so that a type-only import can never switch validation off.
 */
export function createCatalogValidationPipe(dto: Type<object>): ValidationPipe {
  return new ValidationPipe({
    ...DTO_VALIDATOR_OPTIONS,
    expectedType: dto,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => invalidInput('the request is invalid', toFieldErrors(errors)),
  });
}
