/** The business errors of the catalog. The service translates each kind to HTTP in one place. */
export type DomainErrorKind = 'input' | 'not-found' | 'conflict' | 'precondition-failed';

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}
