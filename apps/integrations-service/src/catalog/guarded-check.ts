import type { CheckResult } from '@stellaops/integrations-core';
import { isCheckPhase, isHealthStatus } from '@stellaops/integrations-core';
import type { CheckRecorder } from '@stellaops/integrations-plugin-abstractions';
import { withTimeout } from '@stellaops/integrations-plugin-abstractions';
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The plugin's result when it is one, or a failure saying the plugin broke the contract. Only the
 * contract's fields are kept.
 */
export function contractResult(value: unknown, recorder: CheckRecorder): CheckResult {
  if (
    !isRecord(value) ||
    typeof value['success'] !== 'boolean' ||
    !isHealthStatus(value['status']) ||
    typeof value['message'] !== 'string' ||
    typeof value['checkedAt'] !== 'string' ||
    typeof value['durationMs'] !== 'number' ||
    !Number.isFinite(value['durationMs']) ||
    typeof value['isTransient'] !== 'boolean' ||
    !(value['phase'] === null || isCheckPhase(value['phase']))
  ) {
    return recorder.failed({
      phase: null,
      status: 'unknown',
      message: 'the plugin returned a result that does not follow the plugin contract',
      isTransient: false,
    });
  }
  return {
    success: value['success'],
    status: value['status'],
    message: value['message'],
    durationMs: Math.max(0, Math.round(value['durationMs'])),
    checkedAt: value['checkedAt'],
    isTransient: value['isTransient'],
    phase: value['phase'],
    details: isRecord(value['details']) ? value['details'] : {},
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
