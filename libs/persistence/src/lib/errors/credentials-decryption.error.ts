/**
 * Stored credentials could not be decrypted: they were written with another encryption key (or
 * with one while none is configured now), or the stored value was altered.
 */
export class CredentialsDecryptionError extends Error {
  override readonly name = 'CredentialsDecryptionError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}
