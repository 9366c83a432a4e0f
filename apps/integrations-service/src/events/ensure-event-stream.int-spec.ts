import { nanos } from '@nats-io/transport-node';
import { StorageType } from '@nats-io/jetstream';
import type { TestEventStream } from '../testing/nats-test-server';
import { NatsProbe, describeWithNats, uniqueEventStream } from '../testing/nats-test-server';
import { ensureEventStream } from './ensure-event-stream';
import type { EventStreamConfig } from './events.config';

describeWithNats('ensureEventStream against NATS', (url) => {
  let probe: NatsProbe;
  const made: string[] = [];
  const logger = { log: jest.fn(), warn: jest.fn() };

  function streamConfig(stream: TestEventStream, duplicateWindowMs = 3_600_000): EventStreamConfig {
    made.push(stream.name);
    return {
      name: stream.name,
      subjectPrefix: stream.subjectPrefix,
      duplicateWindowMs,
      replicas: 1,
    };
  }

  beforeAll(async () => {
    probe = await NatsProbe.connect(url);
  });

  afterAll(async () => {
    for (const name of made) await probe?.deleteStream(name);
    await probe?.close();
  });

  beforeEach(() => jest.clearAllMocks());

  it('creates a missing stream with the subjects and the duplicate window, and leaves it alone after', async () => {
    const config = streamConfig(uniqueEventStream());
    await expect(probe.info(config.name)).resolves.toBeUndefined();
    const created = await ensureEventStream(probe.jsm, config, logger);
    expect(created.outcome).toBe('created');
    const info = await probe.info(config.name);
    expect(info?.config).toMatchObject({
      name: config.name,
      subjects: [`${config.subjectPrefix}.>`],
      duplicate_window: nanos(3_600_000),
      storage: StorageType.File,
      num_replicas: 1,
    });
    expect(logger.log).toHaveBeenCalledWith(
      expect.stringContaining(`created the JetStream stream ${config.name}`),
    );
    await expect(ensureEventStream(probe.jsm, config, logger)).resolves.toMatchObject({
      outcome: 'unchanged',
    });
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('lengthens a shorter duplicate window and adds missing subjects, saying so, and keeps a longer one', async () => {
    const stream = uniqueEventStream();
    const config = streamConfig(stream);
    await probe.jsm.streams.add({
      name: config.name,
      subjects: [`${stream.subjectPrefix}-other.>`],
      duplicate_window: nanos(120_000),
    });
    const updated = await ensureEventStream(probe.jsm, config, logger);
    expect(updated).toMatchObject({
      outcome: 'updated',
      changes: ['duplicate window 120 s -> 3600 s', `subjects + ${stream.subjectPrefix}.>`],
    });
    expect(logger.warn).toHaveBeenCalledWith(
      `updated the JetStream stream ${config.name}: duplicate window 120 s -> 3600 s, subjects + ${stream.subjectPrefix}.>`,
    );
    const info = await probe.info(config.name);
    expect(info?.config.duplicate_window).toBe(nanos(3_600_000));
    expect(info?.config.subjects).toEqual([
      `${stream.subjectPrefix}-other.>`,
      `${stream.subjectPrefix}.>`,
    ]);

    // A window longer than ours is the operator's choice: kept.
    await expect(
      ensureEventStream(probe.jsm, { ...config, duplicateWindowMs: 60_000 }, logger),
    ).resolves.toMatchObject({ outcome: 'unchanged' });
    expect((await probe.info(config.name))?.config.duplicate_window).toBe(nanos(3_600_000));
  });

  it('lets two replicas create it at once', async () => {
    const config = streamConfig(uniqueEventStream());
    const outcomes = await Promise.all([
      ensureEventStream(probe.jsm, config, logger),
      ensureEventStream(probe.jsm, config, logger),
    ]);
    expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual(
      expect.arrayContaining(['created']),
    );
    expect((await probe.info(config.name))?.config.duplicate_window).toBe(nanos(3_600_000));
  });
});
