/** The rotate-keys command was called with arguments it does not take; the message says which. */
export class RotateKeysUsageError extends Error {
  override readonly name = 'RotateKeysUsageError';
}
