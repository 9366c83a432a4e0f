/**
 * The relay has no usable connection to NATS now (never connected yet, reconnecting, or closed).
 * Nothing was sent: the client is not asked to buffer messages while it is away.
 */
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
}
