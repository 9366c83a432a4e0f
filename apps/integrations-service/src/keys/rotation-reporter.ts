import type { RotationFailure, RotationReporter, RotationState } from './key-rotation';

/** What the reporters write to: a process stream, or a fake in a test. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
}

const BAR_REDRAW_MS = 100;
const LINE_EVERY_MS = 1000;
const BAR_WIDTH = 30;

function percent(state: RotationState): number {
  if (state.done || state.total === 0) return 100;
  const handled = state.rotated + state.conflicts + state.failed;
  return Math.min(99, Math.floor((handled * 100) / state.total));
}

function rate(state: RotationState): number {
  return state.elapsedMs > 0 ? Math.round((state.rotated * 1000) / state.elapsedMs) : 0;
}

/** `rotated 5000/10000 (50%) to key B, 0 changed concurrently, 0 failed, 2500 rows/s` */
export function progressLine(state: RotationState): string {
  return `rotated ${state.rotated}/${state.total} (${percent(state)}%) to key ${state.activeKeyId}, ${state.conflicts} changed concurrently, ${state.failed} failed, ${rate(state)} rows/s`;
}

function failureLine(failure: RotationFailure): string {
  return `skipped integration ${failure.id} (tenant ${failure.tenantId}): ${failure.reason}`;
}

/** Plain lines for logs and pipes: at most one a second, and the last one. */
export class LineRotationReporter implements RotationReporter {
  private lastLineAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly out: OutputStream,
    private readonly err: OutputStream,
  ) {}

  progress(state: RotationState): void {
    const now = performance.now();
    if (now - this.lastLineAt < LINE_EVERY_MS) return;
    this.lastLineAt = now;
    this.out.write(`${progressLine(state)}\n`);
  }

  failure(failure: RotationFailure): void {
    this.err.write(`${failureLine(failure)}\n`);
  }

  finish(state: RotationState): void {
    this.out.write(`${progressLine(state)}\n`);
  }
}

/** One line redrawn in place on a terminal; a skipped row is printed above it. */
export class TerminalRotationReporter implements RotationReporter {
  private lastDrawAt = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private last: RotationState | undefined;

  constructor(
    private readonly out: OutputStream,
    private readonly err: OutputStream,
  ) {}

  progress(state: RotationState): void {
    this.last = state;
    const now = performance.now();
    if (now - this.lastDrawAt < BAR_REDRAW_MS) return;
    this.lastDrawAt = now;
    this.draw(state);
  }

  failure(failure: RotationFailure): void {
    this.clear();
    this.err.write(`${failureLine(failure)}\n`);
    if (this.last !== undefined) this.draw(this.last);
  }

  finish(state: RotationState): void {
    this.draw(state);
    this.out.write('\n');
    this.drawn = false;
  }

  private draw(state: RotationState): void {
    const filled = Math.round((percent(state) * BAR_WIDTH) / 100);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
    const text = `${bar} ${String(percent(state)).padStart(3)}% ${state.rotated}/${state.total} to key ${state.activeKeyId}, ${state.failed} failed, ${rate(state)} rows/s`;
    const width = this.out.columns ?? 0;
    this.out.write(`\r\x1b[2K${width > 1 ? text.slice(0, width - 1) : text}`);
    this.drawn = true;
  }

  private clear(): void {
    if (this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }
}

/** A bar when stdout is a terminal, plain lines otherwise. */
export function rotationReporterFor(out: OutputStream, err: OutputStream): RotationReporter {
  return out.isTTY === true
    ? new TerminalRotationReporter(out, err)
    : new LineRotationReporter(out, err);
}
