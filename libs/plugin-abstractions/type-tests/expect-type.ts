/**
 * Compile-only assertions. Nothing here runs: the files in this folder pass when `tsc` accepts them
 * (see the `typecheck` target), and every `@ts-expect-error` line proves a mistake is refused.
 */

/** Compiles only when `value` is assignable to `T`. */
export function expectType<T>(value: T): T {
  return value;
}

/** Exact equality of two types (not mere mutual assignability: `any` equals only `any`). */
export type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only for `true`: `expectTrue<Equal<A, B>>()`. */
export function expectTrue<T extends true>(): T | undefined {
  return undefined;
}

/** The keys of `T` that an object literal may leave out. */
export type OptionalKeys<T> = {
  [K in keyof T]-?: Record<string, never> extends Pick<T, K> ? K : never;
}[keyof T];
