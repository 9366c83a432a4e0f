import { QueryFailedError } from 'typeorm';

/** The parts of a PostgreSQL error that repositories translate into business errors. */
export interface PgErrorInfo {
  readonly code: string;
  readonly constraint: string | undefined;
}

export const PgErrorCodes = {
  UniqueViolation: '23505',
  ForeignKeyViolation: '23503',
} as const;

export function pgErrorOf(error: unknown): PgErrorInfo | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driverError = error.driverError as { code?: unknown; constraint?: unknown } | undefined;
  if (typeof driverError?.code !== 'string') return undefined;
  return {
    code: driverError.code,
    constraint: typeof driverError.constraint === 'string' ? driverError.constraint : undefined,
  };
}
