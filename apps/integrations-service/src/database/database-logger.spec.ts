import { Logger } from '@nestjs/common';
import { loadLoggingConfig } from '../observability/logging/logging.config';
import { ServiceLogger } from '../observability/logging/service-logger';
import { captureOutput } from '../observability/logging/testing/capture-output';
import { databaseLogger } from './database-logger';

describe('databaseLogger', () => {
  afterEach(() => jest.restoreAllMocks());

  it('passes the fields of a line to the structured log, beside its message', () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const logger = databaseLogger(new Logger('Database'));

    logger.info('applied 2 migration(s)', { migrations: ['a', 'b'] });
    logger.warn('took over the data folder lock of a process that is gone', {
      dataDir: '/srv/data',
      stalePid: 4242,
    });

    expect(log).toHaveBeenCalledWith({ migrations: ['a', 'b'], message: 'applied 2 migration(s)' });
    expect(warn).toHaveBeenCalledWith({
      dataDir: '/srv/data',
      stalePid: 4242,
      message: 'took over the data folder lock of a process that is gone',
    });
  });

  it('logs a line without fields as its message alone', () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    databaseLogger(new Logger('Database')).info('database opened');
    expect(log).toHaveBeenCalledWith('database opened');
  });

  it('keeps the message when a field has its name, and the field as _message', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    databaseLogger(new Logger('Database')).warn('a pooled PostgreSQL connection failed', {
      message: 'not this one',
      error: 'ECONNRESET',
    });
    expect(warn).toHaveBeenCalledWith({
      message: 'a pooled PostgreSQL connection failed',
      _message: 'not this one',
      error: 'ECONNRESET',
    });
  });

  it("writes a line's fields as top-level keys of one JSON line of the service log", () => {
    const output = captureOutput();
    ServiceLogger.install(loadLoggingConfig({ LOG_FORMAT: 'json' }), output);
    databaseLogger(new Logger('Database')).warn('removed a stale PostgreSQL pid file', {
      clusterDir: '/srv/data/postgres',
      pid: 4242,
    });
    expect(output.lines()).toEqual([
      {
        time: expect.any(String),
        level: 'warn',
        context: 'Database',
        clusterDir: '/srv/data/postgres',
        pid: 4242,
        msg: 'removed a stale PostgreSQL pid file',
      },
    ]);
  });
});
