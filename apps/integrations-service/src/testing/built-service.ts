import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import path from 'node:path';

/** The bundle `npm start` runs. `npm test` builds it before jest runs. */
export const BUILT_SERVICE_MAIN = path.resolve(__dirname, '..', '..', 'dist', 'bundle', 'main.js');

/** The built service in a process of its own, once it has printed its URL and local token. */
export interface BuiltService {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly token: string;
  /** Everything it printed so far, stdout and stderr. */
  readonly output: () => string;
}

export interface BuiltServiceOptions {
  /** The service's whole environment besides PATH, PORT=0 and LOG_LEVEL=warn (overridable). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly startTimeoutMs?: number;
}

/**
 * Starts the built service as an operator runs it (no configuration but what `env` gives) and
 * resolves once it listens and has printed its local token; rejects with its output when it
 * exits first or does not get there in time.
 */
export function startBuiltService(options: BuiltServiceOptions): Promise<BuiltService> {
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const child = spawn(process.execPath, [BUILT_SERVICE_MAIN], {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', LOG_LEVEL: 'warn', ...options.env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (): void => {
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      const token = /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m.exec(output)?.[1];
      if (url !== undefined && token !== undefined) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve({ child, url, token, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${String(code)} before it was ready:\n${output}`));
    });
  });
}

/** Resolves with the exit code (null after a signal) once the process has exited. */
export function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

/** Kills the service at once (SIGKILL) unless it has exited already, and waits for its exit. */
export async function killBuiltService(service: BuiltService | undefined): Promise<void> {
  if (service === undefined) return;
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await exitOf(child);
}
