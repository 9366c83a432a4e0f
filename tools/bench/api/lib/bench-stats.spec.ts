import { compare, formatTable, percentile, summarizeRounds } from './bench-stats.mjs';

function round(ok: number, seconds: number, latencies: number[], non2xx = 0, errors = 0) {
  return { ok, seconds, latencies: Float64Array.from(latencies), non2xx, errors };
}

describe('percentile', () => {
  it('takes the nearest rank of an ascending array', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(Float64Array.from([7]), 99)).toBe(7);
  });

  it('is NaN for no values', () => {
    expect(percentile(new Float64Array(0), 50)).toBeNaN();
  });
});

describe('summarizeRounds', () => {
  it('pools throughput over the measured time and percentiles over every response', () => {
    const summary = summarizeRounds([
      round(1000, 10, [1, 1, 1, 1]),
      round(3000, 10, [5, 5, 5, 5], 2, 1),
    ]);
    // 4000 responses in 20 s, not the mean of 100 and 300 req/s weighted by nothing.
    expect(summary.reqPerSec).toBe(200);
    expect(summary.p50).toBe(1);
    expect(summary.p99).toBe(5);
    expect(summary.non2xx).toBe(2);
    expect(summary.errors).toBe(1);
    expect(summary.rounds.map((r: { reqPerSec: number }) => r.reqPerSec)).toEqual([100, 300]);
  });

  it('sorts latencies numerically, not as text', () => {
    const summary = summarizeRounds([round(3, 1, [10, 9, 100])]);
    expect(summary.p50).toBe(10);
  });
});

describe('compare', () => {
  const target = { minThroughputRatio: 0.8, maxP99Ratio: 1.5 };
  const figures = (reqPerSec: number, p99: number, failed = 0) => ({
    reqPerSec,
    p50: 1,
    p99,
    non2xx: failed,
    errors: 0,
  });

  it('passes a service within both bounds', () => {
    const result = compare(figures(850, 14), figures(1000, 10), target);
    expect(result.throughputRatio).toBeCloseTo(0.85);
    expect(result.p99Ratio).toBeCloseTo(1.4);
    expect(result.verdict).toBe('PASS');
  });

  it('names each bound the service misses', () => {
    const result = compare(figures(700, 20), figures(1000, 10), target);
    expect(result.verdict).toBe('MISS');
    expect(result.misses).toEqual(['throughput 0.70x < 0.8x', 'p99 2.00x > 1.5x']);
  });

  it('never passes a run with failed requests', () => {
    expect(compare(figures(2000, 5, 3), figures(1000, 10), target).verdict).toBe('MISS');
    expect(compare(figures(1000, 10), figures(1000, 10, 1), undefined).verdict).toBe('MISS');
  });

  it('has no verdict for a scenario without a target', () => {
    expect(compare(figures(10, 100), figures(1000, 10), undefined).verdict).toBe('n/a');
  });
});

describe('formatTable', () => {
  it('aligns numbers right and text left under a rule', () => {
    expect(
      formatTable(
        ['name', 'req/s'],
        [
          ['list', '12'],
          ['get', '1234'],
        ],
      ),
    ).toBe(['name  req/s', '----  -----', 'list     12', 'get    1234'].join('\n'));
  });
});
