export interface Round {
  readonly ok: number;
  readonly seconds: number;
  readonly latencies: Float64Array;
  readonly non2xx: number;
  readonly errors: number;
}

export interface Figures {
  readonly reqPerSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
}

export interface Summary extends Figures {
  readonly requests: number;
  readonly rounds: readonly (Figures & { readonly requests: number })[];
}

export interface Target {
  readonly minThroughputRatio: number;
  readonly maxP99Ratio: number;
}

export interface Comparison {
  readonly throughputRatio: number;
  readonly p50Ratio: number;
  readonly p99Ratio: number;
  readonly verdict: 'PASS' | 'MISS' | 'n/a';
  readonly misses: string[];
}

export function percentile(sorted: ArrayLike<number>, p: number): number;
export function summarizeRounds(rounds: readonly Round[]): Summary;
export function compare(
  service: Figures,
  baseline: Figures,
  target: Target | undefined,
): Comparison;
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly unknown[])[],
): string;
export function fixed(value: number, digits?: number): string;
