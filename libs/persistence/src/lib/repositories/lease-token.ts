const MAX_BIGINT = 9_223_372_036_854_775_807n;
const DIGITS = /^[1-9][0-9]{0,18}$/;

/**
 * True for a token the `lease_tokens` sequence can have handed out: a positive bigint, as a
 * string. Anything else matches no row, so it is answered without a query (and without the
 * cast error PostgreSQL would raise for it).
 */
export function isLeaseToken(token: string): boolean {
  return DIGITS.test(token) && BigInt(token) <= MAX_BIGINT;
}
