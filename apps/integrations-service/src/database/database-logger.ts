import type { Logger } from '@nestjs/common';
import type { DatabaseLogger } from '@stellaops/integrations-persistence';
import { logEntry } from '../observability/logging/log-entry';

/**
 * Persistence's logger on the service's: a line's fields (the data folder, the pid of a stale lock,
 * a pool's error) are written on the same line as top-level keys, as plugins' fields are, so that
 * an operator can see which folder or connection the line is about; a field named `message` is
 * kept as `_message` rather than replacing the message.
 */
export function databaseLogger(logger: Logger): DatabaseLogger {
  const entry = (message: string, fields: object | undefined): string | object =>
    fields === undefined ? message : logEntry(message, { ...fields });
  return {
    info: (message, fields) => logger.log(entry(message, fields)),
    warn: (message, fields) => logger.warn(entry(message, fields)),
  };
}
