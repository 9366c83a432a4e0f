import { InputError } from '@stellaops/integrations-core';

export interface NumberBounds {
  /** Inclusive. */
  readonly min: number;
  /** Inclusive; none when absent. */
  readonly max?: number;
  /** Only whole numbers (default true). */
  readonly integer?: boolean;
}

/**
 * Refuses a count, a limit or a duration that the SQL would otherwise turn into a confusing
 * server error (a negative LIMIT) or a silent surprise (NaN, a fractional row count), with the
 * argument's name in the message and as the field path.
 */
export function assertNumber(name: string, value: number, bounds: NumberBounds): void {
  const integer = bounds.integer ?? true;
  const ok =
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    value >= bounds.min &&
    (bounds.max === undefined || value <= bounds.max);
  if (ok) return;
  const range =
    bounds.max === undefined ? `at least ${bounds.min}` : `between ${bounds.min} and ${bounds.max}`;
  const message = `must be ${integer ? 'an integer' : 'a number'} ${range}`;
  throw new InputError(`${name} ${message} (got ${String(value)})`, [
    { path: `/${name}`, message },
  ]);
}
