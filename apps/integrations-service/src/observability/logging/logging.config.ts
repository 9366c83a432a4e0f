import type { Env } from '../../config/env-values';
import { oneOf } from '../../config/env-values';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
/**
 * `json`: one JSON object per line, for a log shipper; `pretty`: one coloured, human-readable
 * line per entry; `auto`: pretty when stdout is a terminal, JSON otherwise (a pipe, a file, a
 * container runtime's log driver).
 */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The logging module's slice of the configuration. */
export interface LoggingConfig {
  /** LOG_LEVEL (default info). */
  readonly level: LogLevelName;
  /** LOG_FORMAT (default auto). */
  readonly format: LogFormat;
}

export function loadLoggingConfig(env: Env): LoggingConfig {
  return {
    level: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    format: oneOf(env, 'LOG_FORMAT', LOG_FORMATS, 'auto'),
  };
}
