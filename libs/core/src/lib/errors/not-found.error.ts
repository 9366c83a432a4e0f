import { DomainError } from './domain.error';

/** Nothing with that id exists for the caller's tenant (another tenant's record answers the same). */
export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  readonly kind = 'not-found' as const;
}
