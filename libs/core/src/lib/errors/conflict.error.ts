import { DomainError } from './domain.error';

/** The change clashes with the current state, e.g. a name already taken in the tenant. */
export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  readonly kind = 'conflict' as const;
}
