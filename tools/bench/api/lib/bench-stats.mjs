/** Nearest-rank percentile of an ascending-sorted array; NaN when it is empty. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * Pools a target's rounds of one scenario: throughput is every successful response over the
 * whole measured time (not a mean of per-second samples), percentiles are over every response.
 */
export function summarizeRounds(rounds) {
  let ok = 0;
  let seconds = 0;
  let non2xx = 0;
  let errors = 0;
  let size = 0;
  for (const round of rounds) {
    ok += round.ok;
    seconds += round.seconds;
    non2xx += round.non2xx;
    errors += round.errors;
    size += round.latencies.length;
  }
  const pooled = new Float64Array(size);
  let offset = 0;
  for (const round of rounds) {
    pooled.set(round.latencies, offset);
    offset += round.latencies.length;
  }
  pooled.sort();
  return {
    reqPerSec: seconds > 0 ? ok / seconds : 0,
    p50: percentile(pooled, 50),
    p99: percentile(pooled, 99),
    requests: ok,
    non2xx,
    errors,
    rounds: rounds.map((round) => {
      const sorted = Float64Array.from(round.latencies).sort();
      return {
        reqPerSec: round.seconds > 0 ? round.ok / round.seconds : 0,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        requests: round.ok,
        non2xx: round.non2xx,
        errors: round.errors,
      };
    }),
  };
}

/**
 * The service against the baseline. `target` is `{ minThroughputRatio, maxP99Ratio }` or
 * undefined for a scenario the issue sets no target for. A run with failed requests never passes:
 * errors answered fast would flatter the figures.
 */
export function compare(service, baseline, target) {
  const throughputRatio = baseline.reqPerSec > 0 ? service.reqPerSec / baseline.reqPerSec : 0;
  const p50Ratio = service.p50 / baseline.p50;
  const p99Ratio = service.p99 / baseline.p99;
  const misses = [];
  if (service.non2xx + service.errors > 0) misses.push('service had failed requests');
  if (baseline.non2xx + baseline.errors > 0) misses.push('baseline had failed requests');
  if (target !== undefined) {
    if (!(throughputRatio >= target.minThroughputRatio)) {
      misses.push(`throughput ${fixed(throughputRatio)}x < ${target.minThroughputRatio}x`);
    }
    if (!(p99Ratio <= target.maxP99Ratio)) {
      misses.push(`p99 ${fixed(p99Ratio)}x > ${target.maxP99Ratio}x`);
    }
  }
  let verdict = 'PASS';
  if (misses.length > 0) verdict = 'MISS';
  else if (target === undefined) verdict = 'n/a';
  return { throughputRatio, p50Ratio, p99Ratio, verdict, misses };
}

function fixed(value, digits = 2) {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

/** A plain-text table; numbers are right-aligned, text left-aligned. */
export function formatTable(header, rows) {
  const cells = [header, ...rows].map((row) => row.map((cell) => String(cell)));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  const numeric = (text) => /^[-+]?[\d.]+x?$/.test(text);
  const line = (row) =>
    row
      .map((cell, column) =>
        numeric(cell) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

export { fixed };
