import type { RotationState } from './key-rotation';
import type { OutputStream } from './rotation-reporter';
import {
  LineRotationReporter,
  progressLine,
  rotationReporterFor,
  TerminalRotationReporter,
} from './rotation-reporter';

class Capture implements OutputStream {
  text = '';
  constructor(
    readonly isTTY = false,
    readonly columns: number | undefined = undefined,
  ) {}
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

function state(rotated: number, overrides: Partial<RotationState> = {}): RotationState {
  return {
    activeKeyId: 'B',
    total: 10_000,
    rotated,
    conflicts: 0,
    failed: 0,
    elapsedMs: 2000,
    done: false,
    ...overrides,
  };
}

const FAILURE = {
  id: 'id-1',
  tenantId: 'acme',
  reason: 'the credentials of integration id-1 failed authentication',
};

describe('rotation reporters', () => {
  it('formats a progress line', () => {
    expect(progressLine(state(5000, { conflicts: 3, failed: 1 }))).toBe(
      'rotated 5000/10000 (50%) to key B, 3 changed concurrently, 1 failed, 2500 rows/s',
    );
    expect(progressLine(state(0, { total: 0, elapsedMs: 0 }))).toBe(
      'rotated 0/0 (100%) to key B, 0 changed concurrently, 0 failed, 0 rows/s',
    );
    // Short of the total until the rotation is done, however the counts add up.
    expect(progressLine(state(10_000, { conflicts: 5 }))).toMatch(/ \(99%\) /);
    expect(progressLine(state(9990, { conflicts: 5, done: true }))).toMatch(/ \(100%\) /);
  });

  it('writes plain lines, at most one a second and always the last one, when stdout is not a terminal', () => {
    const out = new Capture();
    const err = new Capture();
    const reporter = rotationReporterFor(out, err);
    expect(reporter).toBeInstanceOf(LineRotationReporter);
    reporter.progress(state(0));
    reporter.progress(state(500));
    reporter.failure(FAILURE);
    reporter.finish(state(10_000, { done: true }));
    expect(out.text.split('\n')).toEqual([
      expect.stringMatching(/^rotated 0\/10000 \(0%\)/),
      expect.stringMatching(/^rotated 10000\/10000 \(100%\)/),
      '',
    ]);
    expect(out.text).not.toContain('\r');
    expect(err.text).toBe(
      'skipped integration id-1 (tenant acme): the credentials of integration id-1 failed authentication\n',
    );
  });

  it('draws a bar in place on a terminal, and prints a skipped row above it', () => {
    const out = new Capture(true, 100);
    const err = new Capture(true);
    const reporter = rotationReporterFor(out, err);
    expect(reporter).toBeInstanceOf(TerminalRotationReporter);
    reporter.progress(state(5000));
    expect(out.text).toBe(
      `\r\x1b[2K[${'#'.repeat(15)}${'-'.repeat(15)}]  50% 5000/10000 to key B, 0 failed, 2500 rows/s`,
    );
    reporter.failure(FAILURE);
    expect(err.text).toMatch(/^skipped integration id-1/);
    reporter.finish(state(10_000, { done: true }));
    expect(out.text.slice(out.text.lastIndexOf('['))).toBe(
      `[${'#'.repeat(30)}] 100% 10000/10000 to key B, 0 failed, 5000 rows/s\n`,
    );
    // The bar is cleared before the skipped row is printed, and redrawn after it.
    expect(out.text.split('\r\x1b[2K').length).toBe(5);
  });

  it('cuts the bar to the terminal width', () => {
    const out = new Capture(true, 20);
    new TerminalRotationReporter(out, new Capture(true)).progress(state(1));
    expect(out.text).toBe(`\r\x1b[2K[${'-'.repeat(18)}`);
  });
});
