import type { EventOutboxRepository } from '@stellaops/integrations-persistence';
import { withTimeout } from '@stellaops/integrations-plugin-abstractions';
import type { ReadinessCheck } from '../readiness/readiness-checks';
import type { BrokerConnection } from './broker-connection';
import type { OutboxRelay } from './outbox-relay';

export const BROKER_CHECK = 'broker';

/**
 * The broker answers: connected, and a ping comes back in time. Details say which server, the
 * stream, whether this replica is the relay, when it last published and how many events wait
 * (left out when the database does not answer in time: its own check says so).
 */
export function brokerReadiness(
  connection: BrokerConnection,
  relay: OutboxRelay,
  events: Pick<EventOutboxRepository, 'pending'>,
  stream: string,
): ReadinessCheck {
  return {
    name: BROKER_CHECK,
    async check(timeoutMs) {
      const [rttMs, pending] = await Promise.all([
        connection.ping(timeoutMs),
        withTimeout(() => events.pending(), { timeoutMs }).then(
          (answer) => answer.count,
          () => undefined,
        ),
      ]);
      const { role, lastPublishAt } = relay.status;
      const details = {
        ...(connection.server === undefined ? {} : { server: connection.server }),
        stream,
        relay: role,
        lastPublishAt: lastPublishAt ?? null,
        ...(pending === undefined ? {} : { pending }),
      };
      if (rttMs === undefined) {
        return {
          up: false,
          details,
          message: connection.connected
            ? `NATS did not answer a ping within ${timeoutMs} ms`
            : `not connected to NATS${connection.lastError === undefined ? '' : `: ${connection.lastError}`}`,
        };
      }
      return { up: true, details: { ...details, rttMs: Math.round(rttMs) } };
    },
  };
}
