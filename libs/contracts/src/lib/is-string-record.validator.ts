import type { ValidationOptions } from 'class-validator';
import { ValidateBy } from 'class-validator';

export function isStringRecord(value: unknown, maxKeys: number): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const values = Object.values(value);
  return values.length <= maxKeys && values.every((entry) => typeof entry === 'string');
}

/**
 * A plain object of at most `maxKeys` string values. The message never repeats a value: a
 * credential slot may hold a secret pasted by mistake.
 */
export function IsStringRecord(maxKeys: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringRecord',
      constraints: [maxKeys],
      validator: {
        validate: (value: unknown) => isStringRecord(value, maxKeys),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be an object of at most ${maxKeys} string values`,
      },
    },
    options,
  );
}
