import type { IncomingHttpHeaders } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { classifyError } from '@stellaops/integrations-plugin-abstractions';
import { SecretResolutionError } from './secret-resolution.error';

/** A store's answer is a small JSON document: anything larger is not read to the end. */
export const MAX_ANSWER_BYTES = 1_048_576;

export interface RemoteStoreOptions {
  /** The store as operators know it, for messages: `Vault`, `the Authority`. */
  readonly name: string;
  /** Without a trailing slash; each request's path is appended to it. */
  readonly baseUrl: string;
  /** The variables behind the options, named in messages (never their values). */
  readonly baseUrlVariable: string;
  readonly timeoutMs: number;
  readonly timeoutVariable: string;
  /** PEM certificates trusted besides the public roots. */
  readonly caPem: string | undefined;
  readonly caVariable: string;
}

export interface RemoteRequest {
  readonly method: 'GET' | 'POST';
  /** Appended to the base URL: starts with `/`, its segments already encoded. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as the JSON body. */
  readonly json?: unknown;
  /** Safe to send twice: sent again once when a kept-alive connection turns out to be closed. */
  readonly idempotent?: boolean;
}

export interface RemoteAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body as JSON; undefined when it is empty or not JSON. */
  readonly body: unknown;
}

/** One resolution's time limit: every request made for it shares it. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** The caller's own signal, told apart from the time limit in messages. */
  readonly caller: AbortSignal | undefined;
}

class AnswerTooLargeError extends Error {
  override readonly name = 'AnswerTooLargeError';
}

/** A request sent on a kept-alive connection that the server had closed meanwhile. */
class StaleConnectionError extends Error {
  override readonly name = 'StaleConnectionError';
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The service's own HTTP calls to a secret store it is configured with (Vault, the Authority):
 * not a plugin's, so the plugins' outbound guard does not apply. Every request is bounded by its
 * resolution's deadline, and every failure comes back as a `SecretResolutionError` that names the
 * variable to check, never the value of one: a store down, slow or unreachable is transient, a
 * certificate it cannot be trusted with is not. Built on `node:http`/`node:https` rather than the
 * global fetch, which cannot be given a CA bundle of its own.
 */
export class RemoteStoreClient {
  private readonly secure: boolean;
  private readonly agent: http.Agent;

  constructor(private readonly options: RemoteStoreOptions) {
    this.secure = options.baseUrl.startsWith('https:');
    this.agent = this.secure
      ? new https.Agent({
          keepAlive: true,
          ...(options.caPem === undefined ? {} : { ca: [...rootCertificates, options.caPem] }),
        })
      : new http.Agent({ keepAlive: true });
  }

  /** Starts a resolution's time limit (the store's timeout), ended early by `caller`. */
  deadline(caller?: AbortSignal): Deadline {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    return { signal: caller === undefined ? timeout : AbortSignal.any([caller, timeout]), caller };
  }

  async request(request: RemoteRequest, deadline: Deadline): Promise<RemoteAnswer> {
    try {
      return await this.send(request, deadline.signal);
    } catch (error) {
      if (!(error instanceof StaleConnectionError) || request.idempotent !== true) {
        throw this.failure(error, deadline);
      }
    }
    try {
      return await this.send(request, deadline.signal);
    } catch (error) {
      throw this.failure(error, deadline);
    }
  }

  /**
   * `work` (shared by several callers, bounded by a deadline of its own), or the failure of this
   * caller's `deadline` when that comes first.
   */
  within<T>(work: Promise<T>, deadline: Deadline): Promise<T> {
    const { signal } = deadline;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.failure(signal.reason, deadline));
      // Handlers first: `work` is always handled here, even by a caller out of time already.
      work.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Closes the connections kept alive. */
  close(): void {
    this.agent.destroy();
  }

  private send(request: RemoteRequest, signal: AbortSignal): Promise<RemoteAnswer> {
    const url = new URL(`${this.options.baseUrl}${request.path}`);
    const payload =
      request.json === undefined ? undefined : Buffer.from(JSON.stringify(request.json));
    const headers: Record<string, string | number> = {
      accept: 'application/json',
      'user-agent': 'stellaops-integrations',
      ...request.headers,
    };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    return new Promise((resolve, reject) => {
      let tooLarge = false;
      let answered = false;
      const fail = (error: unknown) => reject(tooLarge ? new AnswerTooLargeError() : error);
      const outgoing = (this.secure ? https : http).request(
        url,
        { method: request.method, headers, agent: this.agent, signal },
        (response) => {
          answered = true;
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) {
              tooLarge = true;
              outgoing.destroy();
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () => {
            // The last chunks may have been read before the connection was cut.
            if (tooLarge) {
              fail(new AnswerTooLargeError());
              return;
            }
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: parseJson(Buffer.concat(chunks)),
            });
          });
          response.on('error', fail);
          response.on('close', () => {
            if (!response.complete)
              fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
          });
        },
      );
      outgoing.on('error', (error) => {
        const stale = outgoing.reusedSocket && !answered && errorCode(error) === 'ECONNRESET';
        fail(stale ? new StaleConnectionError('the kept-alive connection was closed') : error);
      });
      outgoing.end(payload);
    });
  }

  private failure(error: unknown, deadline: Deadline): SecretResolutionError {
    const { name, baseUrlVariable, timeoutMs, timeoutVariable, caVariable } = this.options;
    if (error instanceof SecretResolutionError) return error;
    if (deadline.caller?.aborted) {
      return new SecretResolutionError(`the resolution was aborted before ${name} answered`, {
        isTransient: true,
      });
    }
    if (deadline.signal.aborted) {
      return new SecretResolutionError(
        `${name} did not answer within ${timeoutVariable} (${timeoutMs} ms)`,
        { isTransient: true },
      );
    }
    if (error instanceof AnswerTooLargeError) {
      return new SecretResolutionError(
        `${name}'s answer is larger than ${MAX_ANSWER_BYTES} bytes: is ${baseUrlVariable} the right server?`,
      );
    }
    const classified = classifyError(
      error instanceof StaleConnectionError ? { code: 'ECONNRESET' } : error,
    );
    const cause = classified.code ?? (error instanceof Error ? error.name : typeof error);
    if (classified.phase === 'tls') {
      return new SecretResolutionError(
        `the TLS connection to ${name} failed (${cause}): trust its certificate authority with ${caVariable}`,
      );
    }
    return new SecretResolutionError(
      `cannot reach ${name} (${cause}): check ${baseUrlVariable} and that ${name} is up`,
      { isTransient: true },
    );
  }
}
