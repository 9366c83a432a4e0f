import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

const KEPT_OUTPUT = 16_384;

/**
 * A Node child process with its output kept (the tail) for error messages. Every one started is
 * tracked so that `stopAll` can end them on any exit path.
 */
export class NodeProcess {
  static #running = new Set();

  static start(script, { env, nodeArgs = [], cwd, label }) {
    return new NodeProcess(script, { env, nodeArgs, cwd, label });
  }

  static async stopAll() {
    await Promise.all([...NodeProcess.#running].map((proc) => proc.stop()));
  }

  #output = '';
  /** `{ code, signal }` once the process has exited. */
  exit = undefined;

  constructor(script, { env, nodeArgs, cwd, label }) {
    this.label = label;
    this.startedAt = performance.now();
    this.child = spawn(process.execPath, [...nodeArgs, script], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pid = this.child.pid;
    const keep = (chunk) => {
      this.#output = (this.#output + chunk.toString()).slice(-KEPT_OUTPUT);
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    this.exited = new Promise((resolve) => {
      const done = (code, signal) => {
        NodeProcess.#running.delete(this);
        this.exit ??= { code, signal };
        resolve(this.exit);
      };
      this.child.once('exit', done);
      this.child.once('error', (error) => {
        this.#output += `\n${error.message}`;
        done(null, 'spawn-error');
      });
    });
    NodeProcess.#running.add(this);
  }

  output() {
    return this.#output;
  }

  signal(name) {
    if (this.exit === undefined) this.child.kill(name);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000) {
    if (this.exit !== undefined) return this.exit;
    this.child.kill('SIGTERM');
    let timer;
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') {
      this.child.kill('SIGKILL');
      return this.exited;
    }
    return first;
  }
}

function getStatus(url, timeoutMs) {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode));
      response.once('error', () => resolve(0));
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(0));
  });
}

/**
 * Polls `url` every `intervalMs` until it answers 200; resolves with performance.now() at that
 * answer. Gives up after `timeoutMs` or as soon as the process exits.
 */
export async function waitForOk(url, proc, { timeoutMs = 60_000, intervalMs = 10 } = {}) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (proc.exit !== undefined) {
      throw new Error(
        `${proc.label} exited (${proc.exit.code ?? proc.exit.signal}) before ${url} answered 200:\n${proc.output()}`,
      );
    }
    const status = await getStatus(url, 1_000);
    if (status === 200) return performance.now();
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `${proc.label}: ${url} did not answer 200 within ${timeoutMs} ms:\n${proc.output()}`,
  );
}

/** Resident and peak resident memory (MiB) of a Linux process, from /proc. */
export function readMemory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match === null ? Number.NaN : Number(match[1]);
  };
  return { rssMb: kib('VmRSS') / 1024, peakRssMb: kib('VmHWM') / 1024 };
}

/** A port nobody listens on at this moment, on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
