import type { ConformanceCheckResult } from './conformance-check-result';

/** A conformance case failed; the message lists each failed check and why. */
export class ConformanceFailureError extends Error {
  override readonly name = 'ConformanceFailureError';
  readonly failures: readonly ConformanceCheckResult[];

  constructor(failures: readonly ConformanceCheckResult[]) {
    super(
      [
        `${failures.length} conformance check(s) failed:`,
        ...failures.map((failure) => `  ✗ ${failure.check}: ${failure.reason ?? 'failed'}`),
      ].join('\n'),
    );
    this.failures = failures;
  }
}
