import type { Env } from '../../config/env-values';
import { oneOf } from '../../config/env-values';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** The logging module's slice of the configuration. */
export interface LoggingConfig {
  /** LOG_LEVEL (default info). */
  readonly level: LogLevelName;
}

export function loadLoggingConfig(env: Env): LoggingConfig {
  return { level: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info') };
}
