import type { FieldError } from '@stellaops/integrations-core';
import type { ValidationError } from 'class-validator';

/** Escapes a property name as a JSON Pointer reference token (RFC 6901). */
export function pointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

function withoutPropertyPrefix(message: string, property: string): string {
  if (message.startsWith(`${property} `)) return message.slice(property.length + 1);
  if (message.startsWith(`each value in ${property} `)) {
    return `each value ${message.slice(`each value in ${property} `.length)}`;
  }
  return message;
}

/**
 * Flattens class-validator's errors into field errors with JSON-pointer-like paths (`/name`,
 * `/tags/0`). Messages are class-validator's constraint messages, which name the rule and never the
 * value; a property that the DTO does not declare is reported as not allowed.
 */
export function toFieldErrors(errors: readonly ValidationError[], parentPath = ''): FieldError[] {
  const fieldErrors: FieldError[] = [];
  for (const error of errors) {
    const path = `${parentPath}/${pointerToken(error.property)}`;
    for (const [rule, message] of Object.entries(error.constraints ?? {})) {
      fieldErrors.push({
        path,
        message:
          rule === 'whitelistValidation'
            ? 'is not an allowed property'
            : withoutPropertyPrefix(message, error.property),
      });
    }
    if (error.children !== undefined && error.children.length > 0) {
      fieldErrors.push(...toFieldErrors(error.children, path));
    }
  }
  return fieldErrors;
}
