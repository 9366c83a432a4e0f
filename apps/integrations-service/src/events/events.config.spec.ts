import { ConfigError } from '../config/config.error';
import { loadEventsConfig, longestRetryMs } from './events.config';

describe('loadEventsConfig', () => {
  it('has no broker without NATS_URL, and the documented defaults', () => {
    const config = loadEventsConfig({});
    expect(config.natsUrl).toBeUndefined();
    expect(config.nats).toBeUndefined();
    expect(config.stream).toEqual({
      name: 'STELLAOPS_INTEGRATIONS',
      subjectPrefix: 'stellaops.integrations',
      duplicateWindowMs: 3_600_000,
      replicas: 1,
    });
    expect(config.relay).toEqual({
      pollIntervalMs: 250,
      batchSize: 500,
      concurrency: 32,
      publishTimeoutMs: 5_000,
      backoffInitialMs: 250,
      backoffMaxMs: 30_000,
      leaseTtlMs: 10_000,
    });
    expect(config.retention).toEqual({
      publishedMaxAgeSeconds: 168 * 3_600,
      pruneIntervalMs: 60_000,
      pruneBatchSize: 1_000,
    });
  });

  it('reads the servers and the credentials', () => {
    expect(
      loadEventsConfig({
        NATS_URL: 'nats://a:4222, nats://b:4222',
        NATS_USER: 'relay',
        NATS_PASSWORD: 's3cret',
      }).nats,
    ).toEqual({
      servers: ['nats://a:4222', 'nats://b:4222'],
      requireTls: false,
      auth: { kind: 'user', user: 'relay', password: 's3cret' },
      connectTimeoutMs: 5_000,
    });
    expect(loadEventsConfig({ NATS_URL: 'tls://a:4222', NATS_TOKEN: 't' }).nats).toMatchObject({
      requireTls: true,
      auth: { kind: 'token', token: 't' },
    });
  });

  it.each([
    [{ NATS_URL: 'http://a:4222' }, /nats:\/\/ or tls:\/\//],
    [{ NATS_URL: 'not a url' }, /NATS_URL must be/],
    [{ NATS_URL: 'nats://u:p@a:4222' }, /NATS_USER and NATS_PASSWORD, or NATS_TOKEN/],
    [{ NATS_URL: 'nats://a:4222,tls://b:4222' }, /mixes/],
    [{ NATS_URL: 'nats://a:4222/x' }, /no path/],
    [{ NATS_URL: ' , ' }, /names no server/],
    [{ NATS_URL: 'nats://a', NATS_USER: 'u' }, /NATS_PASSWORD/],
    [{ NATS_URL: 'nats://a', NATS_USER: 'u', NATS_PASSWORD: 'p', NATS_TOKEN: 't' }, /not both/],
    [{ NATS_TOKEN: 't' }, /NATS_URL is not/],
    [{ EVENTS_STREAM: 'a.b' }, /EVENTS_STREAM/],
    [{ EVENTS_SUBJECT_PREFIX: 'a.>' }, /EVENTS_SUBJECT_PREFIX/],
    [{ EVENTS_SUBJECT_PREFIX: 'a..b' }, /EVENTS_SUBJECT_PREFIX/],
    [
      { EVENTS_RELAY_BACKOFF_INITIAL_MS: '5000', EVENTS_RELAY_BACKOFF_MAX_MS: '1000' },
      /must not exceed/,
    ],
    [{ EVENTS_RELAY_LEASE_MS: '500' }, /EVENTS_RELAY_LEASE_MS must be an integer from 1000/],
  ])('refuses %j', (env, message) => {
    expect(() => loadEventsConfig(env)).toThrow(ConfigError);
    expect(() => loadEventsConfig(env)).toThrow(message);
  });

  it("refuses a duplicate window that is not longer than the relay's longest retry", () => {
    // 5 s publish timeout + max(30 s backoff cap, 10 s lease + 250 ms poll) = 35 s.
    expect(longestRetryMs(loadEventsConfig({}).relay)).toBe(35_000);
    expect(() => loadEventsConfig({ EVENTS_DUPLICATE_WINDOW_SECONDS: '35' })).toThrow(
      /EVENTS_DUPLICATE_WINDOW_SECONDS \(35\) must be longer than the relay's longest retry, 35000 ms/,
    );
    expect(
      loadEventsConfig({ EVENTS_DUPLICATE_WINDOW_SECONDS: '36' }).stream.duplicateWindowMs,
    ).toBe(36_000);
    // A long lease counts as much as the backoff: the next holder is the one that retries.
    expect(() =>
      loadEventsConfig({ EVENTS_RELAY_LEASE_MS: '120000', EVENTS_DUPLICATE_WINDOW_SECONDS: '100' }),
    ).toThrow(/must be longer than the relay's longest retry, 125250 ms/);
  });
});
