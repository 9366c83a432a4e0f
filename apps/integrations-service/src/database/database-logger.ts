import type { Logger } from '@nestjs/common';
import type { DatabaseLogger } from '@stellaops/integrations-persistence';

/**
 * Persistence's logger on the service's: a line's fields (the data folder, the pid of a stale lock,
 * a pool's error) become the structured part of the entry, as plugins' fields do, instead of being
 * dropped, so that an operator can see which folder or connection the line is about.
 */
export function databaseLogger(logger: Logger): DatabaseLogger {
  const entry = (message: string, fields: object | undefined): string | object =>
    fields === undefined ? message : { ...fields, message };
  return {
    info: (message, fields) => logger.log(entry(message, fields)),
    warn: (message, fields) => logger.warn(entry(message, fields)),
  };
}
