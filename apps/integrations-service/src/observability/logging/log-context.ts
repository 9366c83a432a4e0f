import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The fields every log line written inside a piece of work carries: which registration, tenant,
 * provider and operation it is about, the request it serves. Known fields first; any other
 * string, number or boolean is allowed.
 */
export interface LogContextFields {
  readonly requestId?: string;
  readonly tenant?: string;
  readonly integrationId?: string;
  readonly provider?: string;
  readonly operation?: string;
  readonly prNumber?: number;
  readonly commitSha?: string;
  readonly [field: string]: string | number | boolean | undefined;
}

const storage = new AsyncLocalStorage<LogContextFields>();

/** Runs `fn` with `fields` added to the current context's (inner ones win). */
export function withLogContext<T>(fields: LogContextFields, fn: () => T): T {
  const outer = storage.getStore();
  return storage.run(outer === undefined ? { ...fields } : { ...outer, ...fields }, fn);
}

/** The fields of the current context (empty outside any). */
export function currentLogContext(): LogContextFields {
  return storage.getStore() ?? {};
}
