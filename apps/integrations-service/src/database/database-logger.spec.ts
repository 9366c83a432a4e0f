import { Logger } from '@nestjs/common';
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

  it('keeps the message when a field has its name', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    databaseLogger(new Logger('Database')).warn('a pooled PostgreSQL connection failed', {
      message: 'not this one',
      error: 'ECONNRESET',
    });
    expect(warn).toHaveBeenCalledWith({
      message: 'a pooled PostgreSQL connection failed',
      error: 'ECONNRESET',
    });
  });
});
