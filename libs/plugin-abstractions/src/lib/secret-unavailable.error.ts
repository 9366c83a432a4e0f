/**
 * A credential slot could not be resolved. The message names the slot and the reason, never the
 * reference's backing store details beyond what an operator needs, and never a value.
 */
export class SecretUnavailableError extends Error {
  override readonly name = 'SecretUnavailableError';
  readonly slot: string;
  /** Whether the store may answer later (it was unreachable) rather than being misconfigured. */
  readonly isTransient: boolean;

  constructor(
    slot: string,
    reason: string,
    options: { isTransient?: boolean; cause?: unknown } = {},
  ) {
    super(
      `credential '${slot}' is unavailable: ${reason}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.slot = slot;
    this.isTransient = options.isTransient ?? false;
  }
}
