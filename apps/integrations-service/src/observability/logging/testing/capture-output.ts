import type { LogOutput } from '../log-destination';

/** A `LogOutput` that keeps what is written, for the logging specs. */
export interface CapturedOutput extends LogOutput {
  /** Every chunk written, in order (pino writes one line per chunk). */
  readonly chunks: string[];
  /** The chunks parsed as JSON lines; throws on one that is not a single JSON line. */
  lines(): Record<string, unknown>[];
}

export function captureOutput(isTty = false): CapturedOutput {
  const chunks: string[] = [];
  return {
    isTty,
    chunks,
    stream: { write: (chunk: string) => void chunks.push(chunk) },
    lines: () =>
      chunks.map((chunk) => {
        if (!chunk.endsWith('\n') || chunk.indexOf('\n') !== chunk.length - 1) {
          throw new Error(`not one line: ${JSON.stringify(chunk)}`);
        }
        return JSON.parse(chunk) as Record<string, unknown>;
      }),
  };
}
