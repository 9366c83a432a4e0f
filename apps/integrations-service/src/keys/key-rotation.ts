import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@stellaops/integrations-persistence';
import { ConfigError } from '../config/config.error';
import type { RotateKeysOptions } from './rotate-keys-options';
import { RotateKeysUsageError } from './rotate-keys-usage.error';

export type CredentialsRotation = Database['credentialsRotation'];
type RotationBatch = Awaited<ReturnType<CredentialsRotation['rotateBatch']>>;
export type RotationFailure = RotationBatch['failures'][number];
export type RowsUnderKey = Awaited<ReturnType<CredentialsRotation['rowsUnderKey']>>;

/**
 * After the pass that reaches the end, the rotation starts again from the first id: a replica
 * still on the old configuration may have written an old key behind the cursor. It stops after
 * a pass that rotates nothing, and after this many passes at most (what is then left is named by
 * the retire check, and found by the next run).
 */
const MAX_PASSES = 5;
/** How many of the rows still needing a retired key are named. */
const NAMED_ROWS = 20;

export interface RotationState {
  readonly activeKeyId: string;
  /** Rows not under the active key when the rotation started. */
  readonly total: number;
  readonly rotated: number;
  /**
   * Rows another writer changed meanwhile, left as it wrote them: between this rotation's read and
   * write (compare-and-set lost), or — counted once the rotation is done — between the count at
   * the start and the read (the service sealed them under the active key itself).
   */
  readonly conflicts: number;
  /** Distinct rows that could not be opened. */
  readonly failed: number;
  readonly elapsedMs: number;
  /** A pass from the first id found nothing more to rotate (not interrupted). */
  readonly done: boolean;
}

/** Where the rotation reports as it goes: a progress bar, or plain lines. */
export interface RotationReporter {
  progress(state: RotationState): void;
  /** A row skipped: its id and why, never its content. */
  failure(failure: RotationFailure): void;
  /** The rotation stopped (done or interrupted): the last progress, and no more. */
  finish(state: RotationState): void;
}

export interface RotationOutcome {
  readonly state: RotationState;
  /** Stopped by the signal before it was done: run again to resume. */
  readonly interrupted: boolean;
  readonly failures: readonly RotationFailure[];
  /** With `retire`: the rows still sealed under that key at the end. */
  readonly stillNeeded: RowsUnderKey | undefined;
  /**
   * Not interrupted and yet not done (every pass still found rows to rotate: a writer keeps
   * sealing with another key): how many rows are not under the active key at the end.
   */
  readonly leftOver: number | undefined;
}

/**
 * Re-seals every row not under the active key, `batchSize` rows at a time in id order, until a
 * pass from the first id finds nothing more to rotate. Safe while the service runs: each write
 * is compare-and-set. Stopped by `signal`, it returns after the batch in flight (which is one
 * statement, so it is all written or none of it); rows already done are not pending any more,
 * so the next run resumes where this one stopped.
 */
export async function rotateKeys(
  rotation: CredentialsRotation,
  options: Pick<RotateKeysOptions, 'batchSize' | 'retire' | 'maxRowsPerSecond'>,
  reporter: RotationReporter,
  signal: AbortSignal,
): Promise<RotationOutcome> {
  const activeKeyId = rotation.activeKeyId;
  if (activeKeyId === undefined) {
    throw new ConfigError(
      'no encryption key is configured: set INTEGRATIONS_ENCRYPTION_KEYS and INTEGRATIONS_ENCRYPTION_ACTIVE_KEY (or CREDENTIALS_ENCRYPTION_KEY)',
    );
  }
  if (options.retire !== undefined) {
    if (options.retire === activeKeyId) {
      throw new RotateKeysUsageError(
        `--retire ${options.retire}: that is the active key; make another key active first (INTEGRATIONS_ENCRYPTION_ACTIVE_KEY), roll the service, then rotate`,
      );
    }
    if (!rotation.keyIds.includes(options.retire)) {
      throw new RotateKeysUsageError(
        `--retire ${options.retire}: not a key of INTEGRATIONS_ENCRYPTION_KEYS (${rotation.keyIds.join(', ')})`,
      );
    }
  }
  const started = performance.now();
  const total = await rotation.countPending();
  const failures = new Map<string, RotationFailure>();
  let rotated = 0;
  let conflicts = 0;
  let done = false;
  const state = (): RotationState => ({
    activeKeyId,
    total,
    rotated,
    conflicts: done ? Math.max(conflicts, total - rotated - failures.size) : conflicts,
    failed: failures.size,
    elapsedMs: performance.now() - started,
    done,
  });
  let interrupted = false;
  try {
    reporter.progress(state());
    for (let pass = 1; pass <= MAX_PASSES && !interrupted; pass++) {
      let rotatedThisPass = 0;
      let after: string | null = null;
      for (;;) {
        if (signal.aborted) {
          interrupted = true;
          break;
        }
        const batch = await rotation.rotateBatch(after, options.batchSize);
        if (batch.read === 0) break;
        rotated += batch.rotated;
        rotatedThisPass += batch.rotated;
        conflicts += batch.conflicts.length;
        for (const failure of batch.failures) {
          if (failures.has(failure.id)) continue;
          failures.set(failure.id, failure);
          reporter.failure(failure);
        }
        after = batch.last;
        reporter.progress(state());
        if (options.maxRowsPerSecond !== undefined) {
          interrupted = !(await paced(
            rotated + conflicts,
            options.maxRowsPerSecond,
            started,
            signal,
          ));
          if (interrupted) break;
        }
      }
      if (rotatedThisPass === 0 && !interrupted) {
        done = true;
        break;
      }
    }
  } finally {
    reporter.finish(state());
  }
  const stillNeeded =
    options.retire === undefined || interrupted
      ? undefined
      : await rotation.rowsUnderKey(options.retire, NAMED_ROWS);
  const leftOver = done || interrupted ? undefined : await rotation.countPending();
  return { state: state(), interrupted, failures: [...failures.values()], stillNeeded, leftOver };
}

/** Waits until `done` rows fit the rate; false when the signal stopped the wait. */
async function paced(
  done: number,
  rowsPerSecond: number,
  started: number,
  signal: AbortSignal,
): Promise<boolean> {
  const wait = (done / rowsPerSecond) * 1000 - (performance.now() - started);
  if (wait <= 0) return true;
  try {
    await sleep(wait, undefined, { signal });
    return true;
  } catch (error) {
    if (signal.aborted) return false;
    throw error;
  }
}

export interface RotationVerdict {
  readonly exitCode: number;
  /** What to tell the operator, one line each. */
  readonly lines: readonly string[];
}

/** The summary lines and the exit status of a rotation. */
export function rotationVerdict(
  outcome: RotationOutcome,
  options: Pick<RotateKeysOptions, 'retire'>,
): RotationVerdict {
  const { state } = outcome;
  const seconds = state.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(state.rotated / seconds) : state.rotated;
  const lines = [
    `rotated ${state.rotated} row(s) to key ${state.activeKeyId} in ${seconds.toFixed(1)} s (${rate} rows/s); ${state.conflicts} changed concurrently and left as written; ${state.failed} could not be opened`,
  ];
  if (outcome.interrupted) {
    lines.push('interrupted: run rotate-keys again to resume (rows already rotated are skipped)');
    return { exitCode: 130, lines };
  }
  let exitCode = 0;
  if (outcome.leftOver !== undefined) {
    exitCode = 1;
    lines.push(
      `${outcome.leftOver} row(s) are still not under key ${state.activeKeyId} after ${MAX_PASSES} passes: something keeps sealing with another key (a replica not yet on INTEGRATIONS_ENCRYPTION_ACTIVE_KEY=${state.activeKeyId}?); roll every replica, then run rotate-keys again`,
    );
  }
  if (outcome.failures.length > 0) {
    exitCode = 1;
    lines.push(
      `${outcome.failures.length} row(s) could not be opened and were left as they are: ${outcome.failures.map((failure) => failure.id).join(', ')}; re-register what each names (PATCH its credentials, or settings with the secret setting), or add the key they name, and run rotate-keys again`,
    );
  }
  const needed = outcome.stillNeeded;
  if (options.retire !== undefined && needed !== undefined) {
    if (needed.count > 0) {
      exitCode = 1;
      const more =
        needed.count > needed.ids.length ? ` and ${needed.count - needed.ids.length} more` : '';
      lines.push(
        `key ${options.retire} is still needed by ${needed.count} row(s): ${needed.ids.join(', ')}${more}; do not remove it from INTEGRATIONS_ENCRYPTION_KEYS until rotate-keys --retire ${options.retire} succeeds`,
      );
    } else {
      lines.push(
        `no row needs key ${options.retire} any more: it can be removed from INTEGRATIONS_ENCRYPTION_KEYS`,
      );
    }
  }
  return { exitCode, lines };
}
