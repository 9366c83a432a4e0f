import { ValidationError } from 'class-validator';
import { pointerToken, toFieldErrors } from './to-field-errors';

function validationError(
  property: string,
  constraints?: Record<string, string>,
  children: ValidationError[] = [],
): ValidationError {
  return Object.assign(new ValidationError(), { property, constraints, children });
}

describe('toFieldErrors', () => {
  it('gives each failed constraint a path and drops the property name from the message', () => {
    expect(
      toFieldErrors([
        validationError('name', {
          isLength: 'name must be shorter than or equal to 200 characters',
          matches: 'name must not contain control characters',
        }),
      ]),
    ).toEqual([
      { path: '/name', message: 'must be shorter than or equal to 200 characters' },
      { path: '/name', message: 'must not contain control characters' },
    ]);
  });

  it('walks nested errors and escapes names as JSON Pointer tokens', () => {
    const nested = validationError('outer', undefined, [
      validationError('a/b~c', { isInt: 'a/b~c must be an integer number' }),
    ]);
    expect(toFieldErrors([nested])).toEqual([
      { path: '/outer/a~1b~0c', message: 'must be an integer number' },
    ]);
  });

  it('says that an undeclared property is not allowed', () => {
    expect(
      toFieldErrors([
        validationError('extra', { whitelistValidation: 'property extra should not exist' }),
      ]),
    ).toEqual([{ path: '/extra', message: 'is not an allowed property' }]);
  });

  it('keeps per-item messages readable', () => {
    expect(
      toFieldErrors([validationError('tags', { isString: 'each value in tags must be a string' })]),
    ).toEqual([{ path: '/tags', message: 'each value must be a string' }]);
  });

  it('escapes pointer tokens in the order RFC 6901 asks', () => {
    expect(pointerToken('~1')).toBe('~01');
    expect(pointerToken('/')).toBe('~1');
  });
});
