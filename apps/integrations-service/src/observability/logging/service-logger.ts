import type { LoggerService } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import type { Level, Logger as Pino } from 'pino';
import pino from 'pino';
import type { LogOutput } from './log-destination';
import { logDestination, stdoutOutput } from './log-destination';
import { currentLogContext } from './log-context';
import { escapeReservedKeys } from './log-entry';
import type { LoggingConfig } from './logging.config';
import { loggableValue } from './loggable-value';

type NestLogLevel = 'verbose' | 'debug' | 'log' | 'warn' | 'error' | 'fatal';

const PINO_LEVELS: Record<NestLogLevel, Level> = {
  verbose: 'trace',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
};

/** The keys the line itself writes: a field of one of these names is kept as `_<name>`. */
const LINE_KEYS: ReadonlySet<string> = new Set(['time', 'level', 'msg', 'context']);

/** How Nest hands an error's stack: a string parameter (`logger.error(message, error.stack)`). */
const STACK_TRACE = /\n\s+at /;

/** `loggableValue` cuts structures off at eight levels; pino's own limit must not come first. */
const PINO_DEPTH_LIMIT = 12;

interface SplitParams {
  readonly context: string | undefined;
  readonly stacks: readonly string[];
  readonly extra: readonly unknown[];
}

/**
 * Nest's `Logger` appends its context to the parameters (`log(message, ...params, context)`), and
 * its error calls pass a stack (`error(message, stack, context)`, an absent one as undefined): the
 * last string that is not a stack trace is the context, stack traces are stacks, and anything
 * else is kept on the line as `extra` rather than dropped.
 */
function splitParams(params: readonly unknown[]): SplitParams {
  let rest = params.filter((param) => param !== undefined);
  let context: string | undefined;
  const last = rest.at(-1);
  if (typeof last === 'string' && !STACK_TRACE.test(last)) {
    context = last;
    rest = rest.slice(0, -1);
  }
  const stacks: string[] = [];
  const extra: unknown[] = [];
  for (const param of rest) {
    if (typeof param === 'string' && STACK_TRACE.test(param)) stacks.push(param);
    else extra.push(param);
  }
  return { context, stacks, extra };
}

/** `name`, or with as many leading underscores as it takes to name no field of `line`. */
function freeKey(line: Readonly<Record<string, unknown>>, name: string): string {
  let key = name;
  while (key in line) key = `_${key}`;
  return key;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The message and the fields of what a caller passed first: a string is the message; a plain
 * object is a `LogEntry` (its `message`, and its other keys as fields); an Error is its message,
 * with the error under `err`; anything else is shown under `value`.
 */
function messageAndFields(message: unknown): { msg: string; fields: Record<string, unknown> } {
  if (typeof message === 'string') return { msg: message, fields: {} };
  if (message instanceof Error) return { msg: message.message, fields: { err: message } };
  if (typeof message === 'object' && message !== null) {
    if (!isPlainObject(message)) return { msg: '', fields: { value: message } };
    const { message: text, ...fields } = message;
    if (typeof text === 'string') return { msg: text, fields };
    // Not a text: kept as a field, the line's message left empty.
    if (text !== undefined) fields[freeKey(fields, '_message')] = text;
    return { msg: '', fields };
  }
  return { msg: String(message), fields: {} };
}

/**
 * The service's logger: Nest's `LoggerService` on pino, so that every line — the service's own
 * `new Logger(context)` calls, Nest's, the database's and the plugins' — is one JSON object on
 * one line of stdout (or, with LOG_FORMAT=pretty, one human-readable line):
 *
 * `{"level":"warn","time":"2025-01-02T03:04:05.678Z","context":"Secrets","requestId":"…","tenant":"acme","slot":"token","msg":"…"}`
 *
 * - `level` is a word (`trace` for Nest's verbose, `debug`, `info` for Nest's log, `warn`,
 *   `error`, `fatal`), `time` ISO-8601 UTC; LOG_LEVEL sets the least level written (`silent`:
 *   none);
 * - fields are passed as a `LogEntry` (`logger.log({ message, ...fields })`) and written as
 *   top-level keys, over the current log context's (`withLogContext`: requestId, tenant,
 *   integrationId, provider, operation, prNumber, commitSha); a field named like a key of the
 *   line itself is kept as `_<name>`;
 * - every value passes `loggableValue`: fields named like secrets are replaced by key, errors
 *   show their name and message (and stack at LOG_LEVEL=debug), nothing prints as `{}`.
 */
export class ServiceLogger implements LoggerService {
  private constructor(
    private readonly pino: Pino,
    private readonly stacks: boolean,
  ) {}

  /** A logger for `config`, writing to `output` (default: standard output, synchronously). */
  static create(config: LoggingConfig, output: LogOutput = stdoutOutput()): ServiceLogger {
    const instance = pino(
      {
        level: config.level,
        // No pid or hostname: the runtime that collects a replica's output knows which it is.
        base: null,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        // Values arrive loggable already: pino's own error serializer would add a `type`.
        serializers: { err: (value: unknown) => value },
        depthLimit: PINO_DEPTH_LIMIT,
      },
      logDestination(config.format, output),
    );
    return new ServiceLogger(instance, instance.isLevelEnabled('debug'));
  }

  /**
   * `create`, made the logger of every Nest `Logger` in the process: called first thing at
   * start, so that no line is written by Nest's default text logger before it.
   */
  static install(config: LoggingConfig, output?: LogOutput): ServiceLogger {
    const logger = ServiceLogger.create(config, output);
    Logger.overrideLogger(logger);
    return logger;
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: NestLogLevel, message: unknown, params: readonly unknown[]): void {
    const pinoLevel = PINO_LEVELS[level];
    if (!this.pino.isLevelEnabled(pinoLevel)) return;
    const { context, stacks, extra } = splitParams(params);
    const { msg, fields } = messageAndFields(message);
    const line: Record<string, unknown> = { ...currentLogContext(), ...fields };
    if (this.stacks && stacks.length > 0) line[freeKey(line, 'stack')] = stacks.join('\n');
    if (extra.length > 0) line[freeKey(line, 'extra')] = extra;
    const values = loggableValue(escapeReservedKeys(line, LINE_KEYS), { stacks: this.stacks });
    this.pino[pinoLevel](
      { ...(context === undefined ? {} : { context }), ...(values as object) },
      msg,
    );
  }
}
