import type { AddressClass } from './classify-address';

/**
 * Where one outbound call spent its time, reported by the host for every call a plugin makes
 * (each redirect hop is a call of its own). Each `*Ms` is the duration of its own phase, `null`
 * when the phase did not happen (a reused connection has no DNS, connect or TLS; plain http no
 * TLS; a refused call nothing after the decision).
 */
export interface CallTiming {
  /**
   * Origin and path; the query is left out (it may carry a token). A connection an SDK opened
   * through the agents is reported by its origin (the agent is not told the path).
   */
  readonly url: string;
  readonly method: string;
  /** The checked address the connection went to (the proxy's, when tunnelled), or `null`. */
  readonly address: string | null;
  /** The connection was kept alive from an earlier call. */
  readonly reused: boolean;
  readonly dnsMs: number | null;
  readonly connectMs: number | null;
  readonly tlsMs: number | null;
  /** From the request leaving to the first byte of the answer: the server's own time. */
  readonly firstByteMs: number | null;
  /** From the start of the call to the answer's headers, or to the failure. */
  readonly totalMs: number;
  /** The proxy's origin, when the call went through one. */
  readonly proxy?: string;
  readonly status?: number;
  /** The failure's code (`ECONNREFUSED`, `ERR_OUTBOUND_REFUSED`, ...) or name. */
  readonly error?: string;
  /** The class of the address the outbound policy refused. */
  readonly refused?: AddressClass;
}

/** The part of a call's timing its connection measures. */
export interface ConnectionTrace {
  address: string | null;
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  proxy?: string;
  /** When the connection was ready for the request (`performance.now()`). */
  readyAt?: number;
}

export const elapsedSince = (start: number): number =>
  Math.round((performance.now() - start) * 10) / 10;

/** The failure's code or name, for `CallTiming.error`. */
export function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.name : typeof error;
}
