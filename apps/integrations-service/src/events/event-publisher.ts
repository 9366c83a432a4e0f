import type { BrokerMessage } from './broker-message';

/** The stream's answer to one publish. */
export interface PublishAck {
  /** The stream already held a message with this id (within its duplicate window). */
  readonly duplicate: boolean;
  /** The message's sequence in the stream (the earlier one's for a duplicate). */
  readonly seq: number;
}

/** Where the outbox relay sends events: the JetStream stream, or a fake in unit tests. */
export interface EventPublisher {
  /** Connected to the broker now; the relay publishes nothing otherwise. */
  readonly connected: boolean;
  /**
   * Makes sure the stream exists and takes the events (created when missing, its duplicate
   * window lengthened when too short). Cheap once done; done again after a publish found no stream.
   */
  ensureStream(): Promise<void>;
  /** Resolves with the stream's ack; rejects when none came (then the event may or may not be stored). */
  publish(message: BrokerMessage): Promise<PublishAck>;
}
