import { ConfigError } from '../config/config.error';
import type {
  CredentialsRotation,
  RotationFailure,
  RotationReporter,
  RotationState,
} from './key-rotation';
import { rotateKeys, rotationVerdict } from './key-rotation';
import { RotateKeysUsageError } from './rotate-keys-usage.error';

interface FakeRow {
  readonly id: string;
  key: string;
  readonly tampered?: boolean;
}

/** The repository's contract over an array: rows not under the active key are pending. */
class FakeRotation implements CredentialsRotation {
  readonly keyIds: readonly string[];
  batches = 0;
  /** Runs before each batch reads (a concurrent writer, an operator's Ctrl-C). */
  beforeBatch: (batch: number) => void = () => undefined;

  readonly activeKeyId: string | undefined;

  constructor(
    readonly rows: FakeRow[],
    activeKeyId: string | null = 'B',
    keyIds: readonly string[] = ['A', 'B'],
  ) {
    this.activeKeyId = activeKeyId ?? undefined;
    this.keyIds = keyIds;
  }

  async countPending(): Promise<number> {
    return this.rows.filter((row) => row.key !== this.activeKeyId).length;
  }

  async rotateBatch(after: string | null, limit: number) {
    this.beforeBatch(++this.batches);
    const read = this.rows
      .filter((row) => row.key !== this.activeKeyId && (after === null || row.id > after))
      .sort((x, y) => (x.id < y.id ? -1 : 1))
      .slice(0, limit);
    const failures: RotationFailure[] = [];
    let rotated = 0;
    for (const row of read) {
      if (row.tampered === true) {
        failures.push({ id: row.id, tenantId: 't', reason: `integration ${row.id} was altered` });
      } else {
        row.key = this.activeKeyId ?? '';
        rotated++;
      }
    }
    return { read: read.length, rotated, conflicts: [], failures, last: read.at(-1)?.id ?? null };
  }

  async rowsUnderKey(keyId: string, limit: number) {
    const ids = this.rows.filter((row) => row.key === keyId).map((row) => row.id);
    return { count: ids.length, ids: ids.slice(0, limit) };
  }
}

function rows(count: number, key = 'A'): FakeRow[] {
  return Array.from({ length: count }, (_, i) => ({ id: `id-${String(i).padStart(5, '0')}`, key }));
}

class RecordingReporter implements RotationReporter {
  readonly states: RotationState[] = [];
  readonly failures: RotationFailure[] = [];
  finished: RotationState | undefined;
  progress(state: RotationState): void {
    this.states.push(state);
  }
  failure(failure: RotationFailure): void {
    this.failures.push(failure);
  }
  finish(state: RotationState): void {
    this.finished = state;
  }
}

const OPTIONS = { batchSize: 10, retire: undefined, maxRowsPerSecond: undefined };

describe('rotateKeys', () => {
  it('rotates every pending row in batches, reporting progress, then checks once more from the start', async () => {
    const rotation = new FakeRotation([...rows(25), { id: 'id-b', key: 'B' }]);
    const reporter = new RecordingReporter();
    const outcome = await rotateKeys(rotation, OPTIONS, reporter, new AbortController().signal);
    expect(outcome).toMatchObject({ interrupted: false, failures: [], stillNeeded: undefined });
    expect(outcome.state).toMatchObject({ activeKeyId: 'B', total: 25, rotated: 25, failed: 0 });
    expect(reporter.states.map((state) => state.rotated)).toEqual([0, 10, 20, 25]);
    expect(reporter.finished).toMatchObject({ rotated: 25 });
    // 3 batches, the empty read that ends the pass, and a second pass that finds nothing.
    expect(rotation.batches).toBe(5);
    expect(rotation.rows.every((row) => row.key === 'B')).toBe(true);
    expect(rotationVerdict(outcome, OPTIONS)).toEqual({
      exitCode: 0,
      lines: [expect.stringMatching(/^rotated 25 row\(s\) to key B in .* 0 could not be opened$/)],
    });
  });

  it('stops after the batch in flight when interrupted, and a new run resumes with what is left', async () => {
    const rotation = new FakeRotation(rows(50));
    const stop = new AbortController();
    rotation.beforeBatch = (batch) => {
      if (batch === 2) stop.abort();
    };
    const first = await rotateKeys(rotation, OPTIONS, new RecordingReporter(), stop.signal);
    expect(first).toMatchObject({ interrupted: true, state: { total: 50, rotated: 20 } });
    expect(rotationVerdict(first, OPTIONS)).toMatchObject({
      exitCode: 130,
      lines: [expect.any(String), expect.stringMatching(/interrupted: run rotate-keys again/)],
    });
    rotation.beforeBatch = () => undefined;
    const second = await rotateKeys(
      rotation,
      OPTIONS,
      new RecordingReporter(),
      new AbortController().signal,
    );
    expect(second).toMatchObject({ interrupted: false, state: { total: 30, rotated: 30 } });
    await expect(rotation.countPending()).resolves.toBe(0);
  });

  it('reports a row it cannot open once, goes on, and fails at the end naming it', async () => {
    const all = rows(30);
    all[12] = { id: all[12]!.id, key: 'A', tampered: true };
    const rotation = new FakeRotation(all);
    const reporter = new RecordingReporter();
    const outcome = await rotateKeys(rotation, OPTIONS, reporter, new AbortController().signal);
    expect(reporter.failures.map((failure) => failure.id)).toEqual(['id-00012']);
    expect(outcome.state).toMatchObject({ rotated: 29, failed: 1 });
    const verdict = rotationVerdict(outcome, OPTIONS);
    expect(verdict.exitCode).toBe(1);
    expect(verdict.lines[1]).toMatch(
      /^1 row\(s\) could not be opened and were left as they are: id-00012; re-register/,
    );
  });

  it('rotates rows an old replica writes under the old key behind its cursor', async () => {
    const rotation = new FakeRotation(rows(30));
    rotation.beforeBatch = (batch) => {
      if (batch === 3) rotation.rows[0]!.key = 'A';
    };
    const outcome = await rotateKeys(
      rotation,
      OPTIONS,
      new RecordingReporter(),
      new AbortController().signal,
    );
    expect(outcome.state.rotated).toBe(31);
    expect(rotation.rows.every((row) => row.key === 'B')).toBe(true);
  });

  describe('--retire', () => {
    it('succeeds when no row needs the key any more', async () => {
      const rotation = new FakeRotation(rows(5));
      const options = { ...OPTIONS, retire: 'A' };
      const outcome = await rotateKeys(
        rotation,
        options,
        new RecordingReporter(),
        new AbortController().signal,
      );
      expect(outcome.stillNeeded).toEqual({ count: 0, ids: [] });
      expect(rotationVerdict(outcome, options)).toMatchObject({
        exitCode: 0,
        lines: [
          expect.any(String),
          'no row needs key A any more: it can be removed from INTEGRATIONS_ENCRYPTION_KEYS',
        ],
      });
    });

    it('refuses to finish while a row still needs the key', async () => {
      const rotation = new FakeRotation([...rows(5), { id: 'id-bad', key: 'A', tampered: true }]);
      const options = { ...OPTIONS, retire: 'A' };
      const outcome = await rotateKeys(
        rotation,
        options,
        new RecordingReporter(),
        new AbortController().signal,
      );
      const verdict = rotationVerdict(outcome, options);
      expect(verdict.exitCode).toBe(1);
      expect(verdict.lines.at(-1)).toBe(
        'key A is still needed by 1 row(s): id-bad; do not remove it from INTEGRATIONS_ENCRYPTION_KEYS until rotate-keys --retire A succeeds',
      );
    });

    it('refuses the active key and a key outside the ring before it starts', async () => {
      const rotation = new FakeRotation(rows(5));
      const signal = new AbortController().signal;
      await expect(
        rotateKeys(rotation, { ...OPTIONS, retire: 'B' }, new RecordingReporter(), signal),
      ).rejects.toThrow(
        new RotateKeysUsageError(
          '--retire B: that is the active key; make another key active first (INTEGRATIONS_ENCRYPTION_ACTIVE_KEY), roll the service, then rotate',
        ),
      );
      await expect(
        rotateKeys(rotation, { ...OPTIONS, retire: 'C' }, new RecordingReporter(), signal),
      ).rejects.toThrow(/--retire C: not a key of INTEGRATIONS_ENCRYPTION_KEYS \(A, B\)/);
      expect(rotation.batches).toBe(0);
    });
  });

  it('stops after a bounded number of passes when a writer keeps sealing with the old key, and says so', async () => {
    const rotation = new FakeRotation(rows(10));
    rotation.beforeBatch = () => {
      rotation.rows[0]!.key = 'A';
    };
    const outcome = await rotateKeys(
      rotation,
      OPTIONS,
      new RecordingReporter(),
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({ interrupted: false, leftOver: 1, state: { done: false } });
    const verdict = rotationVerdict(outcome, OPTIONS);
    expect(verdict.exitCode).toBe(1);
    expect(verdict.lines[1]).toMatch(
      /^1 row\(s\) are still not under key B after 5 passes: .* roll every replica/,
    );
  });

  it('counts rows the service rewrote before they were read as changed concurrently, once done', async () => {
    const rotation = new FakeRotation(rows(20));
    rotation.beforeBatch = (batch) => {
      if (batch === 1) rotation.rows[15]!.key = 'B';
    };
    const reporter = new RecordingReporter();
    const outcome = await rotateKeys(rotation, OPTIONS, reporter, new AbortController().signal);
    expect(reporter.states.at(-1)).toMatchObject({ rotated: 19, conflicts: 0, done: false });
    expect(outcome.state).toMatchObject({ total: 20, rotated: 19, conflicts: 1, done: true });
    expect(outcome.leftOver).toBeUndefined();
  });

  it('keeps to --rate, and an interruption ends the wait at once', async () => {
    const rotation = new FakeRotation(rows(20));
    const started = performance.now();
    await rotateKeys(
      rotation,
      { ...OPTIONS, maxRowsPerSecond: 100 },
      new RecordingReporter(),
      new AbortController().signal,
    );
    // 20 rows at 100 a second: the second batch waits until 100 ms, the end until 200 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);

    const slow = new FakeRotation(rows(20));
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    const pausedAt = performance.now();
    const outcome = await rotateKeys(
      slow,
      { ...OPTIONS, maxRowsPerSecond: 1 },
      new RecordingReporter(),
      stop.signal,
    );
    expect(outcome).toMatchObject({ interrupted: true, state: { rotated: 10 } });
    expect(performance.now() - pausedAt).toBeLessThan(1000);
  });

  it('refuses to run without a key', async () => {
    await expect(
      rotateKeys(
        new FakeRotation(rows(1), null, []),
        OPTIONS,
        new RecordingReporter(),
        new AbortController().signal,
      ),
    ).rejects.toThrow(ConfigError);
  });
});
