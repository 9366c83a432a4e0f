import type { ValidationOptions } from 'class-validator';
import { ValidateBy, ValidateIf } from 'class-validator';

/**
 * A PATCH field that may be left out (then it keeps its value) but not sent as `null`: `null`
 * would read as "remove", and no field of a registration can be removed; `hint` says what to
 * send instead. Unlike `@IsOptional()`, which skips the field's rules for `null` too.
 */
export function IsOptionalNotNull(hint: string, options?: ValidationOptions): PropertyDecorator {
  const skipWhenAbsent = ValidateIf((_object: object, value: unknown) => value !== undefined);
  const notNull = ValidateBy(
    {
      name: 'isNotNull',
      validator: {
        validate: (value: unknown) => value !== null,
        defaultMessage: (args) => `${args?.property ?? 'value'} must not be null: ${hint}`,
      },
    },
    options,
  );
  return (target, propertyKey) => {
    skipWhenAbsent(target, propertyKey);
    notNull(target, propertyKey);
  };
}
