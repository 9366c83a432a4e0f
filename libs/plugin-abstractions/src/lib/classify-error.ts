import { ProviderError } from './provider-error';
import { SecretUnavailableError } from './secret-unavailable.error';
import { AbortedError, TimeoutError, isAbortError } from './timeout.error';
import type { CheckPhase } from './vocabulary';
import { isCheckPhase } from './vocabulary';

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
 * The host's outbound refusal (`OutboundRefusedError` of the plugin host, code
 * `ERR_OUTBOUND_REFUSED`), wherever it sits in the `cause` chain: SDKs wrap the socket error.
 */
function findOutboundRefusal(error: unknown): { readonly message: string } | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (code === 'ERR_OUTBOUND_REFUSED' && typeof message === 'string') return { message };
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The error's `name`, read instead of `instanceof`: a plugin may bring its own copy of this
 * package, and errors from another realm (a jest sandbox, a vm context) fail `instanceof` too.
 */
function nameOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

function isProviderError(error: unknown): error is ProviderError {
  return (
    error instanceof ProviderError ||
    (nameOf(error) === 'ProviderError' &&
      isCheckPhase((error as ProviderError).phase) &&
      typeof (error as ProviderError).isTransient === 'boolean')
  );
}

function isSecretUnavailableError(error: unknown): error is SecretUnavailableError {
  return (
    error instanceof SecretUnavailableError ||
    (nameOf(error) === 'SecretUnavailableError' &&
      typeof (error as SecretUnavailableError).isTransient === 'boolean')
  );
}

/** Ours carries the phase; the platform's (`AbortSignal.timeout()` in fetch) does not. */
function timeoutPhase(error: unknown): CheckPhase | undefined {
  if (error instanceof TimeoutError) return error.phase;
  if (nameOf(error) !== 'TimeoutError') return undefined;
  const phase = (error as { phase?: unknown }).phase;
  return isCheckPhase(phase) ? phase : 'connect';
}

/**
 * Sorts any error a plugin can meet into the phase that failed and whether a retry may help.
 * Plugins use it in their catch-all so that no failure escapes `testConnection` or `checkHealth`.
 */
export function classifyError(error: unknown): ErrorClassification {
  if (isProviderError(error)) {
    return {
      phase: error.phase,
      isTransient: error.isTransient,
      message: error.message,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    };
  }
  if (isSecretUnavailableError(error)) {
    // A store that could not answer (down, slow, its audit trail unavailable) kept the check from
    // authenticating: phase auth, worth retrying. A reference that cannot be used as configured
    // (refused, missing, malformed) is the registration's configuration: phase config.
    return {
      phase: error.isTransient ? 'auth' : 'config',
      isTransient: error.isTransient,
      message: error.message,
    };
  }
  const refusal = findOutboundRefusal(error);
  if (refusal !== undefined) {
    // The host's message names the address class and the variable that would allow it, and holds
    // no URL path or credentials.
    return {
      phase: 'config',
      isTransient: false,
      message: refusal.message,
      code: 'ERR_OUTBOUND_REFUSED',
    };
  }
  const timedOutIn = timeoutPhase(error);
  if (timedOutIn !== undefined) {
    const message =
      error instanceof TimeoutError ? error.message : 'no answer within the time limit';
    return { phase: timedOutIn, isTransient: true, message };
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
  const name = nameOf(error);
  if (name === 'SyntaxError') {
    return {
      phase: 'api',
      isTransient: false,
      message: 'the provider answered with a body that is not valid JSON',
    };
  }
  if (
    code === 'ERR_INVALID_URL' ||
    (name === 'TypeError' && /invalid url|failed to parse url/i.test((error as Error).message))
  ) {
    return { phase: 'config', isTransient: false, message: 'the endpoint is not a valid URL' };
  }
  return {
    phase: 'api',
    isTransient: false,
    message: `unexpected failure (${name ?? typeof error}${code === undefined ? '' : ` ${code}`})`,
    ...(code === undefined ? {} : { code }),
  };
}
