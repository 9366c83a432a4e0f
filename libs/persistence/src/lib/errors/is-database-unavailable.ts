import { QueryFailedError } from 'typeorm';

/**
 * SQLSTATE classes and codes that mean "the database cannot serve this now" rather than "this
 * statement is wrong": connection exceptions (08), operator intervention — shutdown, crash,
 * cancel by statement_timeout (57), insufficient resources (53).
 */
const UNAVAILABLE_SQLSTATE = /^(08|53|57)/;

/** Messages of node-postgres and its pool for a server that is down or does not answer. */
const UNAVAILABLE_MESSAGES = [
  'Query read timeout',
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
];

const UNAVAILABLE_SYSCALL_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOENT',
]);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * True when `error` says the database is unreachable, overloaded, shutting down or too slow —
 * something to answer with 503 and retry later — and not that the request itself was wrong.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current != null && depth < 5; depth++) {
    // TypeORM wraps the driver's error (QueryFailedError.driverError); look at what it wraps.
    const wrapped = (current as { driverError?: unknown }).driverError;
    const inner =
      current instanceof QueryFailedError || wrapped != null ? (wrapped ?? current) : current;
    const code = codeOf(inner);
    if (code !== undefined) {
      if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE.test(code)) return true;
      if (UNAVAILABLE_SYSCALL_CODES.has(code)) return true;
    }
    const message = inner instanceof Error ? inner.message : '';
    if (UNAVAILABLE_MESSAGES.some((known) => message.includes(known))) return true;
    current = inner instanceof Error ? inner.cause : undefined;
  }
  return false;
}
