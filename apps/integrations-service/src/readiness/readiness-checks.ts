import { Injectable } from '@nestjs/common';

/** What a readiness check reports; `up: false` makes `/health/ready` answer 503. */
export interface ReadinessReport {
  readonly up: boolean;
  /** Shown under the check's name in the probe's answer (no secrets). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** Why it is down, for the problem's detail. */
  readonly message?: string;
}

export interface ReadinessCheck {
  /** Its key in the answer, e.g. `database`, `broker`. */
  readonly name: string;
  /** Must answer within `timeoutMs` and never throw. */
  check(timeoutMs: number): Promise<ReadinessReport>;
}

/**
 * The checks `/health/ready` runs. Each module registers its own (the database module its
 * database, the events module its broker when one is configured), so the probe has no list of
 * its own.
 */
@Injectable()
export class ReadinessChecks {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(check: ReadinessCheck): void {
    if (this.checks.has(check.name)) {
      throw new Error(`a readiness check named ${check.name} is already registered`);
    }
    this.checks.set(check.name, check);
  }

  list(): readonly ReadinessCheck[] {
    return [...this.checks.values()];
  }
}
