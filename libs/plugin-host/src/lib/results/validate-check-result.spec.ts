import { CheckRecorder } from '@stellaops/integrations-plugin-abstractions';
import { validateCheckResult } from './validate-check-result';

describe('validateCheckResult', () => {
  it('accepts what CheckRecorder builds', () => {
    const check = CheckRecorder.start();
    expect(validateCheckResult(check.healthy('ok', { version: '1' }))).toEqual([]);
    expect(validateCheckResult(check.degraded('slow'))).toEqual([]);
    expect(validateCheckResult(check.fromError(new Error('boom')))).toEqual([]);
  });

  it('names each malformed field', () => {
    expect(
      validateCheckResult({
        success: 1,
        status: 'ok',
        phase: 'network',
        durationMs: -1,
        checkedAt: '2026-01-01T10:00:00+02:00',
        isTransient: 'no',
        message: 42,
        details: [],
      }),
    ).toEqual([
      'success is not a boolean',
      "status 'ok' is not one of HealthStatuses",
      "phase 'network' is neither null nor one of CheckPhases",
      'durationMs number -1 is not a finite number >= 0',
      "checkedAt '2026-01-01T10:00:00+02:00' is not a UTC ISO-8601 timestamp",
      'isTransient is not a boolean',
      'message is not a string',
      'details an array is not an object',
    ]);
  });

  it('refuses a success with a phase or a bad status, and a healthy failure', () => {
    const base = {
      message: '',
      durationMs: 0,
      checkedAt: '2026-01-01T00:00:00Z',
      isTransient: false,
      details: {},
    };
    expect(
      validateCheckResult({ ...base, success: true, status: 'unknown', phase: 'api' }),
    ).toEqual(['a success has a phase (it must be null)', "a success has status 'unknown'"]);
    expect(
      validateCheckResult({ ...base, success: false, status: 'healthy', phase: 'api' }),
    ).toEqual(["a failure has status 'healthy'"]);
  });

  it('refuses what cannot be stored as JSON, and what is not an object', () => {
    const details: Record<string, unknown> = {};
    details['self'] = details;
    const result = { ...CheckRecorder.start().healthy('ok'), details };

    expect(validateCheckResult(result)).toEqual([
      'the result cannot be serialized to JSON (TypeError)',
    ]);
    expect(validateCheckResult(undefined)).toEqual([
      'expected a CheckResult object, got undefined undefined',
    ]);
  });
});
