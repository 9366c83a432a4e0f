import { startTcpRelay } from '@stellaops/integrations-persistence/testing';
import type { TcpRelay } from '@stellaops/integrations-persistence/testing';
import { storedEvent } from '../testing/outbox-fakes';
import { NatsProbe, describeWithNats, uniqueEventStream } from '../testing/nats-test-server';
import { BrokerConnection } from './broker-connection';
import { toBrokerMessage } from './broker-message';
import type { NatsConfig } from './events.config';
import { JetStreamEventPublisher } from './jetstream-event-publisher';
import { until } from '../testing/until';

function natsConfig(url: string): NatsConfig {
  return { servers: [url], requireTls: false, auth: undefined, connectTimeoutMs: 1_000 };
}

describeWithNats('JetStreamEventPublisher and BrokerConnection against NATS', (url) => {
  let probe: NatsProbe;
  const streams: string[] = [];

  beforeAll(async () => {
    probe = await NatsProbe.connect(url);
  });

  afterAll(async () => {
    for (const name of streams) await probe?.deleteStream(name);
    await probe?.close();
  });

  it('stores a message once per event id, and finds the stream again after it was deleted', async () => {
    const stream = uniqueEventStream();
    streams.push(stream.name);
    const connection = new BrokerConnection(natsConfig(url), 'publisher-spec');
    connection.start();
    try {
      await until(() => connection.connected, 5_000, 'connected');
      const publisher = new JetStreamEventPublisher(
        connection,
        {
          name: stream.name,
          subjectPrefix: stream.subjectPrefix,
          duplicateWindowMs: 60_000,
          replicas: 1,
        },
        2_000,
      );
      await publisher.ensureStream();
      const event = storedEvent('5b0a4c1e-2f8d-4c83-9a50-6f0b7d1e2a34', 1);
      const message = toBrokerMessage(event, stream.subjectPrefix);
      await expect(publisher.publish(message)).resolves.toEqual({ duplicate: false, seq: 1 });
      await expect(publisher.publish(message)).resolves.toEqual({ duplicate: true, seq: 1 });
      expect((await probe.read(stream.name)).map((m) => m.msgId)).toEqual([event.id]);

      await probe.deleteStream(stream.name);
      const next = toBrokerMessage(storedEvent(event.integrationId, 2), stream.subjectPrefix);
      await expect(publisher.publish(next)).rejects.toThrow(/jetstream is not enabled/);
      await publisher.ensureStream();
      await expect(publisher.publish(next)).resolves.toMatchObject({ duplicate: false });
      expect((await probe.read(stream.name)).map((m) => m.msgId)).toEqual([next.msgId]);
    } finally {
      await connection.close();
    }
  });

  describe('through a TCP relay', () => {
    let relay: TcpRelay;

    beforeEach(async () => {
      relay = await startTcpRelay(url);
    });

    afterEach(async () => {
      relay.setMode('pass');
      await relay.close();
    });

    it('starts while the broker refuses, connects once it answers, and follows a drop and a reconnect', async () => {
      relay.setMode('refuse');
      const connection = new BrokerConnection(natsConfig(relay.url), 'connection-spec');
      connection.start();
      try {
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(connection.connected).toBe(false);
        expect(connection.lastError).toBeDefined();
        await expect(connection.ping(200)).resolves.toBeUndefined();
        expect(() => connection.connection()).toThrow(/not connected to NATS/);

        relay.setMode('pass');
        const connectedMs = await until(() => connection.connected, 5_000, 'connected');
        expect(connectedMs).toBeLessThan(2_000);
        await expect(connection.ping(1_000)).resolves.toEqual(expect.any(Number));

        // The broker restarts: the client notices, and reconnects by itself.
        relay.setMode('refuse');
        await until(() => !connection.connected, 5_000, 'disconnected');
        relay.setMode('pass');
        await until(() => connection.connected, 5_000, 'reconnected');
        await expect(connection.ping(1_000)).resolves.toEqual(expect.any(Number));
      } finally {
        await connection.close();
      }
      expect(connection.connected).toBe(false);
    });

    it('reports no ping while partitioned, and shuts down promptly even then', async () => {
      const connection = new BrokerConnection(natsConfig(relay.url), 'partition-spec');
      connection.start();
      await until(() => connection.connected, 5_000, 'connected');
      relay.setMode('partition');
      await expect(connection.ping(300)).resolves.toBeUndefined();
      const closing = Date.now();
      await connection.close();
      expect(Date.now() - closing).toBeLessThan(3_000);
    });
  });
});
