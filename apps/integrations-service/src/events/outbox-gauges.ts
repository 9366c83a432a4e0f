import type { EventOutboxRepository } from '@stellaops/integrations-persistence';
import type { Metrics } from '../observability/metrics/metrics';

/** The relay's lag at every scrape: events not yet published, and the age of the oldest. */
export function registerOutboxGauges(
  metrics: Metrics,
  events: Pick<EventOutboxRepository, 'pending'>,
): void {
  metrics.registerGauge({
    name: 'integrations_outbox_pending',
    description: 'Lifecycle events in the outbox not yet published to the broker.',
    unit: '{event}',
    read: async () => [{ value: (await events.pending()).count }],
  });
  metrics.registerGauge({
    name: 'integrations_outbox_oldest_age_seconds',
    description: 'Age of the oldest lifecycle event not yet published to the broker (0 when none).',
    unit: 's',
    read: async () => [{ value: (await events.pending()).oldestSeconds }],
  });
}
