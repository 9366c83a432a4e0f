import { randomUUID } from 'node:crypto';

/**
 * A registration body for the built-in in-memory provider, valid as it is (a fresh name each
 * call); `overrides` replace any field.
 */
export function inMemoryDraft(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: `reg-${randomUUID()}`,
    type: 'scm',
    provider: 'in-memory',
    endpoint: 'https://scm.example.test',
    settings: {},
    credentials: {},
    ...overrides,
  };
}
