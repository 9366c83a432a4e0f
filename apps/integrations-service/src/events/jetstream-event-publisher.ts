import { Logger } from '@nestjs/common';
import type { JetStreamClient } from '@nats-io/jetstream';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { headers } from '@nats-io/transport-node';
import type { BrokerConnection } from './broker-connection';
import type { BrokerMessage } from './broker-message';
import { ensureEventStream } from './ensure-event-stream';
import type { EventPublisher, PublishAck } from './event-publisher';
import type { EventStreamConfig } from './events.config';

/**
 * The client's error for a publish nobody answered (no stream takes the subject, or JetStream is
 * off); the package does not export its class, so it is told by name.
 */
function answeredByNobody(error: unknown): boolean {
  return error instanceof Error && error.name === 'JetStreamNotEnabled';
}

/**
 * Publishes events to the JetStream stream over the service's NATS connection, each with its
 * event id as `Nats-Msg-Id` so that the stream stores a retried event once. A publish that finds
 * no stream (JetStream answers nobody: the stream was deleted, or JetStream is down) makes the
 * next `ensureStream` look again.
 */
export class JetStreamEventPublisher implements EventPublisher {
  private readonly logger = new Logger('EventsStream');
  private ensuredOn: NatsConnection | undefined;
  private client: { readonly nc: NatsConnection; readonly js: JetStreamClient } | undefined;

  constructor(
    private readonly connection: BrokerConnection,
    private readonly stream: EventStreamConfig,
    private readonly publishTimeoutMs: number,
  ) {}

  get connected(): boolean {
    return this.connection.connected;
  }

  async ensureStream(): Promise<void> {
    const nc = this.connection.connection();
    if (this.ensuredOn === nc) return;
    const jsm = await jetstreamManager(nc, { timeout: this.publishTimeoutMs });
    await ensureEventStream(jsm, this.stream, this.logger);
    this.ensuredOn = nc;
  }

  async publish(message: BrokerMessage): Promise<PublishAck> {
    const js = this.jetstream(this.connection.connection());
    const hdrs = headers();
    for (const [name, value] of Object.entries(message.headers)) hdrs.set(name, value);
    try {
      const ack = await js.publish(message.subject, message.data, {
        msgID: message.msgId,
        timeout: this.publishTimeoutMs,
        headers: hdrs,
      });
      return { duplicate: ack.duplicate, seq: ack.seq };
    } catch (error) {
      if (answeredByNobody(error)) this.ensuredOn = undefined;
      throw error;
    }
  }

  private jetstream(nc: NatsConnection): JetStreamClient {
    if (this.client?.nc !== nc) {
      this.client = { nc, js: jetstream(nc, { timeout: this.publishTimeoutMs }) };
    }
    return this.client.js;
  }
}
