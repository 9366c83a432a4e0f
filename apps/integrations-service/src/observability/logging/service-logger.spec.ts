import { Logger } from '@nestjs/common';
import { REDACTED } from '../../plugins/redact-secrets';
import { withLogContext } from './log-context';
import type { LoggingConfig } from './logging.config';
import { loadLoggingConfig } from './logging.config';
import { ServiceLogger } from './service-logger';
import type { CapturedOutput } from './testing/capture-output';
import { captureOutput } from './testing/capture-output';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function install(env: Record<string, string> = {}, isTty = false): CapturedOutput {
  const output = captureOutput(isTty);
  const config: LoggingConfig = loadLoggingConfig({ LOG_FORMAT: 'json', ...env });
  ServiceLogger.install(config, output);
  return output;
}

describe('ServiceLogger', () => {
  it("writes a Nest Logger's line as one JSON object: time, level, context, msg", () => {
    const output = install();
    new Logger('Catalog').log('registered\nacme-github');
    expect(output.chunks).toHaveLength(1);
    const [line] = output.lines();
    expect(line).toEqual({
      time: expect.stringMatching(ISO_TIME),
      level: 'info',
      context: 'Catalog',
      msg: 'registered\nacme-github',
    });
    expect(Math.abs(Date.parse(String(line?.['time'])) - Date.now())).toBeLessThan(5_000);
  });

  it("writes a LogEntry's fields as top-level keys of the same line", () => {
    const output = install();
    new Logger('Database').warn({
      message: 'took over the lock',
      dataDir: '/srv/data',
      stalePid: 4242,
      nested: { list: [1, 'two'] },
    });
    expect(output.lines()).toEqual([
      {
        time: expect.any(String),
        level: 'warn',
        context: 'Database',
        dataDir: '/srv/data',
        stalePid: 4242,
        nested: { list: [1, 'two'] },
        msg: 'took over the lock',
      },
    ]);
  });

  it('names the levels as words and writes only those at LOG_LEVEL or above', () => {
    const write = (level: string): string[] => {
      const output = install({ LOG_LEVEL: level });
      const logger = new Logger('L');
      logger.verbose('verbose');
      logger.debug('debug');
      logger.log('log');
      logger.warn('warn');
      logger.error('error');
      logger.fatal('fatal');
      return output.lines().map((line) => `${String(line['level'])}:${String(line['msg'])}`);
    };
    expect(write('debug')).toEqual([
      'debug:debug',
      'info:log',
      'warn:warn',
      'error:error',
      'fatal:fatal',
    ]);
    expect(write('info')).toEqual(['info:log', 'warn:warn', 'error:error', 'fatal:fatal']);
    expect(write('warn')).toEqual(['warn:warn', 'error:error', 'fatal:fatal']);
    expect(write('error')).toEqual(['error:error', 'fatal:fatal']);
    expect(write('silent')).toEqual([]);
  });

  it('merges the current log context in; a LogEntry field of the same name wins', async () => {
    const output = install();
    const logger = new Logger('Checks');
    await withLogContext({ requestId: 'r-1', tenant: 'acme' }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await withLogContext({ integrationId: 'i-1', operation: 'testConnection' }, async () => {
        logger.log('checked');
        logger.log({ message: 'other registration', integrationId: 'i-2' });
      });
    });
    logger.log('outside');
    expect(output.lines()).toEqual([
      expect.objectContaining({
        requestId: 'r-1',
        tenant: 'acme',
        integrationId: 'i-1',
        operation: 'testConnection',
        msg: 'checked',
      }),
      expect.objectContaining({ requestId: 'r-1', integrationId: 'i-2' }),
      { time: expect.any(String), level: 'info', context: 'Checks', msg: 'outside' },
    ]);
  });

  it('keeps a field named like a key of the line as _<name>', () => {
    const output = install();
    new Logger('X').log({
      message: 'the message',
      msg: 'a field',
      level: 3,
      time: 'then',
      context: 'theirs',
    });
    expect(output.lines()).toEqual([
      {
        time: expect.stringMatching(ISO_TIME),
        level: 'info',
        context: 'X',
        _msg: 'a field',
        _level: 3,
        _time: 'then',
        _context: 'theirs',
        msg: 'the message',
      },
    ]);
  });

  it('replaces fields named like secrets, at any depth', () => {
    const output = install();
    withLogContext({ requestId: 'r-1' }, () =>
      new Logger('X').warn({
        message: 'provider refused the call',
        authorization: 'Bearer abc',
        request: { headers: { Authorization: 'Basic xyz', 'X-Api-Key': 'k1', accept: '*/*' } },
        credentials: { token: 'authref://env/GITHUB_TOKEN' },
        tokenResolved: true,
      }),
    );
    const [line] = output.lines();
    expect(line).toMatchObject({
      requestId: 'r-1',
      authorization: REDACTED,
      request: { headers: { Authorization: REDACTED, 'X-Api-Key': REDACTED, accept: '*/*' } },
      credentials: { token: REDACTED },
      tokenResolved: true,
    });
    expect(output.chunks.join('')).not.toMatch(/abc|xyz|k1|GITHUB_TOKEN/);
  });

  it('logs an Error field with its name, message and cause, and its stack only at debug', () => {
    const failure = new TypeError('connect refused', { cause: new Error('ECONNREFUSED') });
    const atInfo = install();
    new Logger('X').error({ message: 'check failed', err: failure });
    expect(atInfo.lines()[0]?.['err']).toEqual({
      name: 'TypeError',
      message: 'connect refused',
      cause: { name: 'Error', message: 'ECONNREFUSED' },
    });

    const atDebug = install({ LOG_LEVEL: 'debug' });
    new Logger('X').error({ message: 'check failed', err: failure });
    expect(atDebug.lines()[0]?.['err']).toEqual({
      name: 'TypeError',
      message: 'connect refused',
      cause: {
        name: 'Error',
        message: 'ECONNREFUSED',
        stack: expect.stringContaining('\n    at '),
      },
      stack: failure.stack,
    });
  });

  it('logs an Error message as its message with the error under err', () => {
    const output = install();
    new Logger('X').error(new RangeError('out of range'));
    expect(output.lines()).toEqual([
      expect.objectContaining({
        msg: 'out of range',
        err: { name: 'RangeError', message: 'out of range' },
      }),
    ]);
  });

  it("takes Nest's stack parameter as the stack at debug, and drops it above", () => {
    const { stack } = new Error('boom');
    const atDebug = install({ LOG_LEVEL: 'debug' });
    new Logger('ExceptionHandler').error('boom', stack);
    Logger.error('static boom', stack, 'Static');
    expect(atDebug.lines()).toEqual([
      expect.objectContaining({ context: 'ExceptionHandler', msg: 'boom', stack }),
      expect.objectContaining({ context: 'Static', msg: 'static boom', stack }),
    ]);

    const atInfo = install();
    new Logger('ExceptionHandler').error('boom', stack);
    expect(atInfo.lines()).toEqual([
      { time: expect.any(String), level: 'error', context: 'ExceptionHandler', msg: 'boom' },
    ]);
  });

  it('keeps a LogEntry whose message is not a text, and other objects, as fields', () => {
    const output = install();
    const logger = new Logger('X');
    logger.log({ message: { code: 7 }, _message: 'taken' });
    logger.log(['a', 'b']);
    expect(output.lines()).toEqual([
      expect.objectContaining({ msg: '', _message: 'taken', __message: { code: 7 } }),
      expect.objectContaining({ msg: '', value: ['a', 'b'] }),
    ]);
  });

  it('keeps further parameters under extra, and a line without a context has none', () => {
    const output = install();
    new Logger('X').log('with more', { a: 1 }, 42);
    new Logger().log('no context');
    expect(output.lines()).toEqual([
      expect.objectContaining({ context: 'X', msg: 'with more', extra: [{ a: 1 }, 42] }),
      { time: expect.any(String), level: 'info', msg: 'no context' },
    ]);
  });

  it('writes what JSON cannot show as it is: bigints, dates, URLs, buffers, cycles', () => {
    const output = install();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    new Logger('X').log({
      message: 'values',
      big: 12345678901234567890n,
      at: new Date('2025-01-02T03:04:05.000Z'),
      url: new URL('https://robot:hunter2@registry.test/v2/?n=1'),
      bytes: Buffer.from('a private key'),
      cyclic,
      percent: '100% %s',
    });
    expect(output.lines()[0]).toMatchObject({
      big: '12345678901234567890',
      at: '2025-01-02T03:04:05.000Z',
      url: `https://robot:${REDACTED}@registry.test/v2/?n=1`,
      bytes: '[Buffer 13 bytes]',
      cyclic: { name: 'loop', self: '[CIRCULAR]' },
      percent: '100% %s',
    });
    expect(output.chunks.join('')).not.toMatch(/hunter2|private key/);
  });

  it('writes a message with format characters as it is', () => {
    const output = install();
    new Logger('X').log('100% done, %s %d %j %o');
    expect(output.lines()[0]?.['msg']).toBe('100% done, %s %d %j %o');
  });

  it('writes one human-readable line per entry with LOG_FORMAT=pretty', () => {
    const output = install({ LOG_FORMAT: 'pretty' });
    new Logger('Catalog').warn({ message: 'slow check', integrationId: 'i-1', ms: 1200 });
    expect(output.chunks).toHaveLength(1);
    const [chunk] = output.chunks;
    expect(chunk).toMatch(
      /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\] WARN: \[Catalog\] slow check \{"integrationId":"i-1","ms":1200\}\n$/,
    );
  });

  it('chooses pretty on a terminal and JSON elsewhere with LOG_FORMAT=auto', () => {
    const piped = install({ LOG_FORMAT: 'auto' }, false);
    new Logger('X').log('to a pipe');
    expect(piped.lines()).toEqual([expect.objectContaining({ msg: 'to a pipe' })]);

    const terminal = install({ LOG_FORMAT: 'auto' }, true);
    new Logger('X').log('to a terminal');
    expect(terminal.chunks[0]).toContain('to a terminal');
    // Coloured for the terminal, and not JSON.
    expect(terminal.chunks[0]).toContain('\u001b[');
    expect(() => terminal.lines()).toThrow();
  });
});
