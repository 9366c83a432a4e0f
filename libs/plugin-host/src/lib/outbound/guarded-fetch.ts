import type { Agent as HttpAgent, IncomingMessage, RequestOptions } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { HostFetch } from '@stellaops/integrations-plugin-abstractions';
import type { CallReporter } from './guarded-agents';
import { CALL_TRACE, newTrace } from './guarded-agents';
import type { ConnectionTrace } from './call-timing';
import { elapsedSince, errorCode } from './call-timing';
import { OutboundRefusedError } from './outbound-refused.error';

export interface GuardedFetchOptions {
  readonly agents: { readonly http: HttpAgent; readonly https: HttpsAgent };
  readonly report: CallReporter;
  /** Redirects followed before the call fails; each hop is checked like the first request. */
  readonly maxRedirects: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Headers that must not follow a redirect to another origin (as the Fetch standard does).
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language'];

function failed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

function decoded(message: IncomingMessage): Readable {
  const encoding = (message.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (decoder === undefined) return message;
  message.on('error', (error) => decoder.destroy(error));
  return message.pipe(decoder);
}

function responseOf(message: IncomingMessage, method: string, url: URL, redirected: boolean) {
  const headers = new Headers();
  for (let index = 0; index + 1 < message.rawHeaders.length; index += 2) {
    headers.append(message.rawHeaders[index] ?? '', message.rawHeaders[index + 1] ?? '');
  }
  const status = message.statusCode ?? 0;
  const bodyless = method === 'HEAD' || status === 204 || status === 304;
  if (bodyless) message.resume();
  const body = bodyless
    ? null
    : (Readable.toWeb(decoded(message)) as NodeReadableStream as ReadableStream<Uint8Array>);
  const response = new Response(body, {
    status,
    statusText: message.statusMessage ?? '',
    headers,
  });
  // `url` and `redirected` are read-only on a constructed Response; plugins read them.
  Object.defineProperty(response, 'url', { value: url.href });
  Object.defineProperty(response, 'redirected', { value: redirected });
  return response;
}

interface Hop {
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  readonly body: Buffer | undefined;
  readonly signal: AbortSignal;
}

function send(hop: Hop, options: GuardedFetchOptions, redirected: boolean): Promise<Response> {
  const trace = newTrace();
  const started = performance.now();
  const secure = hop.url.protocol === 'https:';
  const timing = {
    url: `${hop.url.origin}${hop.url.pathname}`,
    method: hop.method,
  };
  const connection = (reused: boolean) => ({
    address: trace.address,
    reused,
    dnsMs: trace.dnsMs,
    connectMs: trace.connectMs,
    tlsMs: trace.tlsMs,
    ...(trace.proxy === undefined ? {} : { proxy: trace.proxy }),
  });
  return new Promise((resolve, reject) => {
    let reused = false;
    const requestOptions: RequestOptions & { [CALL_TRACE]: ConnectionTrace } = {
      method: hop.method,
      headers: Object.fromEntries(hop.headers),
      agent: secure ? options.agents.https : options.agents.http,
      signal: hop.signal,
      [CALL_TRACE]: trace,
    };
    const request = (secure ? httpsRequest : httpRequest)(hop.url, requestOptions);
    request.once('socket', (socket) => {
      if (trace.readyAt === undefined) {
        reused = true;
        trace.address = socket.remoteAddress ?? null;
        trace.readyAt = performance.now();
      }
    });
    request.once('response', (message) => {
      options.report({
        ...timing,
        ...connection(reused),
        firstByteMs: trace.readyAt === undefined ? null : elapsedSince(trace.readyAt),
        totalMs: elapsedSince(started),
        status: message.statusCode ?? 0,
      });
      resolve(responseOf(message, hop.method, hop.url, redirected));
    });
    request.once('error', (error) => {
      options.report({
        ...timing,
        ...connection(reused),
        firstByteMs: null,
        totalMs: elapsedSince(started),
        error: errorCode(error),
        ...(error instanceof OutboundRefusedError ? { refused: error.addressClass } : {}),
      });
      reject(error);
    });
    request.end(hop.body);
  });
}

/**
 * The host's `fetch`, over the guarded agents: one connect path for the host's `fetch` and the
 * SDKs that take an agent. Redirects are followed here, hop by hop, so that each hop's address is
 * checked when it is connected to. Failures look like the platform's (`TypeError('fetch failed')`
 * with the socket error as `cause`), except a refusal, which is thrown as the
 * `OutboundRefusedError` itself so that its message reaches the check's result.
 */
export function createGuardedFetch(options: GuardedFetchOptions): HostFetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const first = new URL(request.url);
    if (first.protocol !== 'http:' && first.protocol !== 'https:') {
      throw failed(
        new Error(`the host's fetch speaks http and https only (got ${first.protocol})`),
      );
    }
    let hop: Hop = {
      url: first,
      method: request.method,
      headers: new Headers(request.headers),
      body: request.body === null ? undefined : Buffer.from(await request.arrayBuffer()),
      signal: request.signal,
    };
    if (!hop.headers.has('accept')) hop.headers.set('accept', '*/*');
    for (let redirects = 0; ; redirects++) {
      let response: Response;
      try {
        response = await send(hop, options, redirects > 0);
      } catch (error) {
        if (hop.signal.aborted) throw hop.signal.reason;
        if (error instanceof OutboundRefusedError) throw error;
        throw failed(error);
      }
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || request.redirect === 'manual' || location === null) {
        return response;
      }
      await response.body?.cancel();
      if (request.redirect === 'error') {
        throw failed(new Error(`redirected to another location with redirect: 'error'`));
      }
      if (redirects >= options.maxRedirects) {
        throw failed(
          Object.assign(new Error(`more than ${options.maxRedirects} redirects`), {
            code: 'ERR_TOO_MANY_REDIRECTS',
          }),
        );
      }
      const next = new URL(location, hop.url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw failed(new Error(`redirected to a ${next.protocol} URL`));
      }
      const headers = new Headers(hop.headers);
      if (next.origin !== hop.url.origin)
        CREDENTIAL_HEADERS.forEach((name) => headers.delete(name));
      const asGet =
        (response.status === 303 && hop.method !== 'HEAD') ||
        ((response.status === 301 || response.status === 302) && hop.method === 'POST');
      if (asGet) BODY_HEADERS.forEach((name) => headers.delete(name));
      hop = {
        url: next,
        method: asGet ? 'GET' : hop.method,
        headers,
        body: asGet ? undefined : hop.body,
        signal: hop.signal,
      };
    }
  };
}
