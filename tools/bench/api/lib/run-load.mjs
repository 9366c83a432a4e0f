import autocannon from 'autocannon';

/**
 * One autocannon run. Latencies are taken from every 2xx response's own timing (sub-millisecond)
 * rather than from autocannon's histogram, which rounds to whole milliseconds: at these speeds a
 * p50 is often 1-3 ms and the rounding alone would move a ratio by 30 %.
 */
export async function runLoad({ url, connections, seconds, requests, headers = {} }) {
  const latencies = [];
  let ok = 0;
  let non2xx = 0;
  const statuses = {};
  const instance = autocannon({
    url,
    connections,
    duration: seconds,
    headers,
    requests,
    timeout: 10,
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) {
      ok++;
      latencies.push(responseTime);
    } else {
      non2xx++;
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    }
  });
  const result = await instance;
  return {
    ok,
    seconds: result.duration,
    non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
    latencies: Float64Array.from(latencies),
  };
}
