/**
 * A store could not produce a referenced secret. The reason is for the operator (which variable,
 * which file, what to fix) and never holds the value.
 */
export class SecretResolutionError extends Error {
  override readonly name = 'SecretResolutionError';
  /** Whether the store may answer later (unreachable) rather than being misconfigured. */
  readonly isTransient: boolean;

  constructor(reason: string, options: { isTransient?: boolean } = {}) {
    super(reason);
    this.isTransient = options.isTransient ?? false;
  }
}
