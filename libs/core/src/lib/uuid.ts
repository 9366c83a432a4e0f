/**
 * A uuid in its canonical textual form, in either case: the shape of every id the catalog hands
 * out. Without the `g` or `y` flag `test` keeps no state, so one instance serves every caller.
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Anything else cannot name a row of the catalog. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}
