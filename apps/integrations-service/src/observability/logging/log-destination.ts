import type { DestinationStream } from 'pino';
import type PinoPretty from 'pino-pretty';
import pino from 'pino';
import type { LogFormat } from './logging.config';

/** Where the lines go, and whether that is a terminal (for LOG_FORMAT=auto and colours). */
export interface LogOutput {
  readonly stream: DestinationStream;
  readonly isTty: boolean;
}

/**
 * Standard output, written synchronously: a line is out before the next statement runs, so that
 * nothing logged before `process.exit` (a failed shutdown, a fatal start-up error) is lost, and
 * lines and the start-up banner (`process.stdout`, synchronous for files and pipes) keep their
 * order.
 */
export function stdoutOutput(): LogOutput {
  return {
    stream: pino.destination({ dest: 1, sync: true }),
    isTty: process.stdout.isTTY === true,
  };
}

/** `auto` settled: pretty on a terminal, JSON anywhere else. */
export function resolvedLogFormat(format: LogFormat, isTty: boolean): 'json' | 'pretty' {
  if (format === 'auto') return isTty ? 'pretty' : 'json';
  return format;
}

/**
 * The stream pino writes its JSON lines to: `output` itself, or for `pretty` a stream that turns
 * each line into pino-pretty's one-line form (`[time] LEVEL: [context] message {fields}`, an
 * `err` or `error` field on indented lines below it, for its stack to be read) and writes that. pino-pretty is used as a function here, not as a transport: its transport form
 * runs in a worker thread loaded from a file beside pino, which the bundled service does not
 * have, and would write asynchronously.
 */
export function logDestination(format: LogFormat, output: LogOutput): DestinationStream {
  if (resolvedLogFormat(format, output.isTty) === 'json') return output.stream;
  // Loaded only for the pretty form: a JSON start (every deployed one) does not pay for it.
  const { prettyFactory } = require('pino-pretty') as typeof PinoPretty;
  const prettify = prettyFactory({
    colorize: output.isTty,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'context',
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
  });
  return { write: (line: string) => output.stream.write(prettify(line)) };
}
