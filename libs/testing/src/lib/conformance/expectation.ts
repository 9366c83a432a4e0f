import type {
  CheckPhase,
  CheckResult,
  HealthStatus,
} from '@stellaops/integrations-plugin-abstractions';
import type { CallObservation } from './observe-call';

/** One thing a well-formed result must also say in a given situation. */
export interface Expectation {
  readonly check: string;
  /** The reason it does not hold, or `undefined` when it does. */
  verify(result: CheckResult, observation: CallObservation): string | undefined;
}

const show = (value: unknown): string => (typeof value === 'string' ? `'${value}'` : String(value));

export const expectations = {
  noSuccess(): Expectation {
    return {
      check: 'does not report success',
      verify: (result) =>
        result.success === false
          ? undefined
          : `reported success with status ${show(result.status)}`,
    };
  },
  success(): Expectation {
    return {
      check: 'reports success',
      verify: (result) =>
        result.success === true
          ? undefined
          : `reported a failure in phase ${show(result.phase)}: ${result.message}`,
    };
  },
  phase(phase: CheckPhase | null): Expectation {
    return {
      check: `reports phase ${show(phase)}`,
      verify: (result) =>
        result.phase === phase ? undefined : `reported phase ${show(result.phase)}`,
    };
  },
  transient(isTransient: boolean): Expectation {
    return {
      check: `reports isTransient ${isTransient}`,
      verify: (result) =>
        result.isTransient === isTransient
          ? undefined
          : `reported isTransient ${result.isTransient}`,
    };
  },
  status(status: HealthStatus): Expectation {
    return {
      check: `reports status ${show(status)}`,
      verify: (result) =>
        result.status === status ? undefined : `reported status ${show(result.status)}`,
    };
  },
} as const;
