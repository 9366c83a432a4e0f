import { InputError } from '@stellaops/integrations-core';

export function assertLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new InputError('limit must be a positive integer', [
      { path: '/limit', message: 'must be a positive integer' },
    ]);
  }
}
