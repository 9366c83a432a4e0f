import { DomainError } from './domain.error';

/** The caller's precondition (an `If-Match` version) no longer holds: re-read and try again. */
export class PreconditionFailedError extends DomainError {
  override readonly name = 'PreconditionFailedError';
  readonly kind = 'precondition-failed' as const;
}
