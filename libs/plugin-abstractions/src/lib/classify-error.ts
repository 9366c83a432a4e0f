import { ProviderError } from './provider-error';
import { SecretUnavailableError } from './secret-unavailable.error';
import { AbortedError, TimeoutError, isAbortError } from './timeout.error';
import type { CheckPhase } from './vocabulary';

export interface ErrorClassification {
  /** `null` only for an abort by the caller, which is no failure of the connection. */
  readonly phase: CheckPhase | null;
  readonly isTransient: boolean;
  /** Safe to show: built from error codes, never from a raw message that might hold a URL's secret. */
  readonly message: string;
  /** The most specific error code found (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, ...). */
  readonly code?: string;
  readonly retryAfterMs?: number;
}

const DNS_CODES: Record<string, boolean> = { ENOTFOUND: false, EAI_AGAIN: true, EAI_FAIL: false };
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'EADDRNOTAVAIL',
]);
const MID_RESPONSE_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const TLS_CODE_PATTERN =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO|HOSTNAME_MISMATCH/;

/** Walks an error's `cause` chain (fetch wraps the socket error) for the first `code`. */
function findCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Sorts any error a plugin can meet into the phase that failed and whether a retry may help.
 * Plugins use it in their catch-all so that no failure escapes `testConnection` or `checkHealth`.
 */
export function classifyError(error: unknown): ErrorClassification {
  if (error instanceof ProviderError) {
    return {
      phase: error.phase,
      isTransient: error.isTransient,
      message: error.message,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    };
  }
  if (error instanceof SecretUnavailableError) {
    return { phase: 'config', isTransient: error.isTransient, message: error.message };
  }
  if (error instanceof TimeoutError) {
    return { phase: error.phase, isTransient: true, message: error.message };
  }
  if (error instanceof AbortedError || isAbortError(error)) {
    return { phase: null, isTransient: true, message: 'the check was aborted by its caller' };
  }
  const code = findCode(error);
  if (code !== undefined) {
    if (code in DNS_CODES) {
      return {
        phase: 'dns',
        isTransient: DNS_CODES[code] ?? false,
        message: `the endpoint's host name did not resolve (${code})`,
        code,
      };
    }
    if (CONNECT_CODES.has(code)) {
      return {
        phase: 'connect',
        isTransient: true,
        message: `could not connect to the endpoint (${code})`,
        code,
      };
    }
    if (MID_RESPONSE_CODES.has(code)) {
      return {
        phase: 'api',
        isTransient: true,
        message: `the connection failed before the answer was complete (${code})`,
        code,
      };
    }
    if (TLS_CODE_PATTERN.test(code)) {
      return {
        phase: 'tls',
        isTransient: false,
        message: `the TLS handshake failed (${code}); configure the endpoint's CA certificate`,
        code,
      };
    }
  }
  if (error instanceof SyntaxError) {
    return {
      phase: 'api',
      isTransient: false,
      message: 'the provider answered with a body that is not valid JSON',
    };
  }
  if (error instanceof TypeError && /invalid url|failed to parse url/i.test(error.message)) {
    return { phase: 'config', isTransient: false, message: 'the endpoint is not a valid URL' };
  }
  const name = error instanceof Error ? error.name : typeof error;
  return {
    phase: 'api',
    isTransient: false,
    message: `unexpected failure (${name}${code === undefined ? '' : ` ${code}`})`,
    ...(code === undefined ? {} : { code }),
  };
}
