import { DomainError } from './domain.error';

/** One rejected field: a JSON-pointer-like path (`/settings/latencyMs`) and what is wrong with it. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** The caller sent something invalid. Messages say what to send instead; they never echo a secret. */
export class InputError extends DomainError {
  override readonly name = 'InputError';
  readonly kind = 'input' as const;
  readonly errors: readonly FieldError[];

  constructor(message: string, errors: readonly FieldError[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.errors = errors;
  }
}
