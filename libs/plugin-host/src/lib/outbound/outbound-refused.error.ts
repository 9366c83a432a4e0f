import type { AddressClass } from './classify-address';
import { ALWAYS_REFUSED, describeAddressClass } from './classify-address';

/** The error code a refusal carries, found by `classifyError` anywhere in a `cause` chain. */
export const OUTBOUND_REFUSED = 'ERR_OUTBOUND_REFUSED';

/** The variable that opens address classes other than the always-refused ones. */
export const OUTBOUND_ALLOW_VARIABLE = 'OUTBOUND_ALLOW_CIDRS';

/**
 * A connection the outbound policy refused before it was opened. The message names the address
 * class and, where the operator can open it, the variable that would: it is safe to show (it holds
 * no URL path, query or credentials, only the host and the address).
 */
export class OutboundRefusedError extends Error {
  override readonly name = 'OutboundRefusedError';
  readonly code = OUTBOUND_REFUSED;
  /** A refusal is configuration, for the check's phase: retrying will not help. */
  readonly phase = 'config';
  readonly isTransient = false;

  constructor(
    /** The host name or literal that was asked for. */
    readonly host: string,
    /** The address that was refused (the host itself for a refused name). */
    readonly address: string,
    readonly addressClass: AddressClass,
  ) {
    super(OutboundRefusedError.messageFor(host, address, addressClass));
  }

  /** Whether an operator could open it with `OUTBOUND_ALLOW_CIDRS`. */
  get allowable(): boolean {
    return !ALWAYS_REFUSED.has(this.addressClass);
  }

  private static messageFor(host: string, address: string, addressClass: AddressClass): string {
    const target = host === address ? host : `${host} (${address})`;
    const what = `the outbound policy refused a connection to ${target}: ${describeAddressClass(addressClass)}`;
    return ALWAYS_REFUSED.has(addressClass)
      ? `${what}, which is always refused`
      : `${what}; set ${OUTBOUND_ALLOW_VARIABLE} (comma-separated CIDRs, e.g. ${suggestedCidr(address)}) to allow it`;
  }
}

function suggestedCidr(address: string): string {
  return address.includes(':') ? `${address}/128` : `${address}/32`;
}
