import { DomainError } from './domain.error';

/** The caller may not do this (a missing scope, or an operation the registration forbids). */
export class NotAllowedError extends DomainError {
  override readonly name = 'NotAllowedError';
  readonly kind = 'not-allowed' as const;
}
