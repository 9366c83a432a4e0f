/** The verdict of one conformance check. */
export interface ConformanceCheckResult {
  /** What was checked, e.g. `testConnection › HTTP 401 › reports phase 'auth'`. */
  readonly check: string;
  readonly passed: boolean;
  /** Why it failed; absent when it passed. Never holds a secret value. */
  readonly reason?: string;
}

export function passed(check: string): ConformanceCheckResult {
  return { check, passed: true };
}

export function failed(check: string, reason: string): ConformanceCheckResult {
  return { check, passed: false, reason };
}

/** Runs one check body; a body that throws fails its check instead of the whole suite. */
export async function checkThat(
  check: string,
  body: () => string | undefined | Promise<string | undefined>,
): Promise<ConformanceCheckResult> {
  try {
    const reason = await body();
    return reason === undefined ? passed(check) : failed(check, reason);
  } catch (error) {
    return failed(check, `the check could not run: ${errorSummary(error)}`);
  }
}

/** A short, single-line description of a thrown value, with any secret replaced. */
export function errorSummary(error: unknown, secrets: readonly string[] = []): string {
  // Duck-typed: errors made by the platform (fetch's) come from another realm under jest.
  const text = isErrorLike(error)
    ? `${error.name}: ${error.message}`
    : `a non-Error value (${typeof error})`;
  return redact(text, secrets).replace(/\s+/g, ' ').slice(0, 300);
}

function isErrorLike(value: unknown): value is { name: string; message: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { name?: unknown }).name === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

export function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((current, secret) => current.split(secret).join('[secret]'), text);
}
