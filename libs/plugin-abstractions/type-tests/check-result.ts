import type {
  CheckPhase,
  CheckResult,
  HealthCheckResult,
  TestConnectionResult,
} from '../src/index';
import { CheckRecorder } from '../src/index';
import type { Equal, OptionalKeys } from './expect-type';
import { expectTrue, expectType } from './expect-type';

// Every field of a result is required: a plugin cannot forget one.
expectTrue<Equal<OptionalKeys<CheckResult>, never>>();
expectTrue<
  Equal<
    keyof CheckResult,
    | 'success'
    | 'status'
    | 'message'
    | 'durationMs'
    | 'checkedAt'
    | 'isTransient'
    | 'phase'
    | 'details'
  >
>();
expectTrue<Equal<TestConnectionResult, CheckResult>>();
expectTrue<Equal<HealthCheckResult, CheckResult>>();

const complete = {
  success: false,
  status: 'unhealthy',
  message: 'could not connect to the endpoint (ECONNREFUSED)',
  durationMs: 12,
  checkedAt: '2026-11-02T10:00:00.000Z',
  isTransient: true,
  phase: 'connect',
  details: { code: 'ECONNREFUSED' },
} as const;
expectType<CheckResult>(complete);

// @ts-expect-error -- isTransient is required
expectType<CheckResult>({
  success: true,
  status: 'healthy',
  message: 'ok',
  durationMs: 1,
  checkedAt: '2026-11-02T10:00:00.000Z',
  phase: null,
  details: {},
});

// @ts-expect-error -- phase is required, even on success (null)
expectType<CheckResult>({
  success: true,
  status: 'healthy',
  message: 'ok',
  durationMs: 1,
  checkedAt: '2026-11-02T10:00:00.000Z',
  isTransient: false,
  details: {},
});

// The phase is a CheckPhase or null, nothing else.
expectTrue<Equal<CheckResult['phase'], CheckPhase | null>>();
expectType<CheckResult>({ ...complete, phase: null });
// @ts-expect-error -- 'network' is not a check phase
expectType<CheckResult>({ ...complete, phase: 'network' });
// @ts-expect-error -- undefined is not null: say "no phase" explicitly
expectType<CheckResult>({ ...complete, phase: undefined });
// @ts-expect-error -- status is a HealthStatus
expectType<CheckResult>({ ...complete, status: 'down' });

// A failure from the recorder must name its phase and transience.
const check = CheckRecorder.start();
expectType<CheckResult>(check.failed({ phase: 'auth', message: 'refused', isTransient: false }));
// @ts-expect-error -- a failure says whether a retry may help
check.failed({ phase: 'auth', message: 'refused' });
// @ts-expect-error -- a failure is never 'healthy'
check.failed({ phase: 'api', message: 'x', isTransient: false, status: 'healthy' });
