import type { FieldError } from '@stellaops/integrations-core';
import { ContractLimits } from './contract-limits';
import type { InputTextKind } from './input-text';
import { isSafeInputText, unsafeInputTextMessage } from './input-text';
import { pointerToken } from './to-field-errors';

export interface FindUnsafeInputOptions {
  /** The path of `value` itself, such as `/id` for a path parameter; default '' (a body). */
  readonly path?: string;
  /** How string values are checked: free body text may break lines; a query value may not. */
  readonly strings?: InputTextKind;
  /** At most this many errors are reported; default 20. */
  readonly maxErrors?: number;
}

const DEFAULT_MAX_ERRORS = 20;

/**
 * The field errors of input that no validator downstream should ever see: strings and property
 * names (at any depth) holding text that `isSafeInputText` refuses, and objects or arrays nested
 * deeper than `ContractLimits.maxJsonDepth` (the body itself is level 1). The walk uses an
 * explicit stack, not recursion, so that a hostile nesting cannot overflow the call stack; and it
 * does not go below the depth limit, so its cost is bounded by the input's size.
 */
export function findUnsafeInput(
  value: unknown,
  options: FindUnsafeInputOptions = {},
): FieldError[] {
  const strings = options.strings ?? 'multiline';
  const maxErrors = options.maxErrors ?? DEFAULT_MAX_ERRORS;
  const errors: FieldError[] = [];
  const stack: { readonly value: unknown; readonly path: string; readonly depth: number }[] = [
    { value, path: options.path ?? '', depth: 0 },
  ];
  for (
    let next = stack.pop();
    next !== undefined && errors.length < maxErrors;
    next = stack.pop()
  ) {
    const { value: current, path, depth } = next;
    if (typeof current === 'string') {
      if (!isSafeInputText(current, strings)) {
        errors.push({ path, message: unsafeInputTextMessage(strings) });
      }
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > ContractLimits.maxJsonDepth) {
      errors.push({
        path,
        message: `nests deeper than ${ContractLimits.maxJsonDepth} levels of objects and arrays`,
      });
      continue;
    }
    const entries = Array.isArray(current)
      ? current.map((item, index): [string, unknown] => [String(index), item])
      : Object.entries(current);
    let badKey = false;
    // Pushed in reverse so that errors come out in document order.
    for (const [key, item] of entries.reverse()) {
      if (!isSafeInputText(key, 'line')) {
        badKey = true;
        continue;
      }
      stack.push({ value: item, path: `${path}/${pointerToken(key)}`, depth: depth + 1 });
    }
    // The path names the object, not the offending name, which would carry what it refuses.
    if (badKey)
      errors.push({ path, message: `has a property name that ${unsafeInputTextMessage('line')}` });
  }
  return errors;
}
