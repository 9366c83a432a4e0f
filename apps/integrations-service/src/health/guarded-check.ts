import type { CheckResult } from '@stellaops/integrations-core';
import type { CheckRecorder } from '@stellaops/integrations-plugin-abstractions';
import { withTimeout } from '@stellaops/integrations-plugin-abstractions';
import { validateCheckResult } from '@stellaops/integrations-plugin-host';
import { redactSecrets } from '../plugins/redact-secrets';

export interface GuardedCheckOptions {
  /** When the call is given up even if the plugin ignores its signal. */
  readonly timeoutMs: number;
  /** Fires when the caller goes away. */
  readonly signal: AbortSignal;
  /** Started before the call: measures a failure's duration. */
  readonly recorder: CheckRecorder;
  /** The secret values resolved during the call, kept out of the result. */
  readonly secrets: () => readonly string[];
}

/**
 * The plugin's result when it is one (checked by the plugin host's `validateCheckResult`, as the
 * conformance kit checks it), or a failure saying how the plugin broke the contract. Only the
 * contract's fields are kept.
 */
export function contractResult(value: unknown, recorder: CheckRecorder): CheckResult {
  const problems = validateCheckResult(value);
  if (problems.length > 0) {
    return recorder.failed({
      phase: null,
      status: 'unknown',
      message: `the plugin returned a result that does not follow the plugin contract: ${problems.join('; ')}`,
      isTransient: false,
    });
  }
  const result = value as CheckResult;
  return {
    success: result.success,
    status: result.status,
    message: result.message,
    durationMs: Math.round(result.durationMs),
    checkedAt: result.checkedAt,
    isTransient: result.isTransient,
    phase: result.phase,
    details: result.details,
  };
}

/**
 * Runs a plugin's test or check so that it can neither hang nor throw past this call: a timeout,
 * an abort, a thrown error or a malformed result all become a failure result. Plugins promise all
 * this themselves; this is the host's defence against one that does not keep the promise. Any
 * secret the plugin resolved is masked in what it returns.
 */
export async function guardedCheck(
  call: (signal: AbortSignal) => Promise<unknown>,
  options: GuardedCheckOptions,
): Promise<CheckResult> {
  let result: CheckResult;
  try {
    const value = await withTimeout(call, {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
    result = contractResult(value, options.recorder);
  } catch (error) {
    result = options.recorder.fromError(error);
  }
  return redactSecrets(result, options.secrets());
}
