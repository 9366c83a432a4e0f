import { types } from 'pg';

// PostgreSQL's type ids for timestamptz and timestamp.
const TIMESTAMPTZ_OID = 1184;
const TIMESTAMP_OID = 1114;

// The text form of a timestamptz in a UTC session: `2026-11-23 12:39:04.625123+00`.
const UTC_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/;

const parseAsDate = types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Date;

/**
 * A timestamptz as the domain speaks it, UTC ISO-8601 with milliseconds (what `toISOString`
 * gives), made from the driver's text without a Date in between: listings read three per row,
 * and the Date objects cost more than the rest of the mapping. Sub-millisecond digits are
 * truncated, as Date truncates them. Anything else (another offset, infinity) goes the long way.
 */
export function parseTimestamptz(text: string): string {
  const match = UTC_TEXT.exec(text);
  if (match === null) return parseAsDate(text).toISOString();
  const fraction = (match[3] ?? '').padEnd(3, '0').slice(0, 3);
  return `${match[1]}T${match[2]}.${fraction}Z`;
}

/** The `types` both backends give `pg`: timestamps arrive as ISO strings (see parseTimestamptz). */
export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): unknown {
    if ((oid === TIMESTAMPTZ_OID || oid === TIMESTAMP_OID) && format !== 'binary') {
      return oid === TIMESTAMPTZ_OID
        ? parseTimestamptz
        : (text: string) => parseTimestamptz(`${text}+00`);
    }
    return types.getTypeParser(oid, format ?? 'text');
  },
};

/** A timestamp column as read through `pgTypes`: already an ISO string. */
export function toIso(value: string | Date): string {
  return typeof value === 'string' ? value : value.toISOString();
}

export function toIsoOrNull(value: string | Date | null): string | null {
  return value === null ? null : toIso(value);
}
