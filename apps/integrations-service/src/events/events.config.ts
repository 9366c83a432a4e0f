import type { Env } from '../config/env-values';
import { nonEmpty } from '../config/env-values';

/** The events module's slice of the configuration. */
export interface EventsConfig {
  /** NATS_URL: the JetStream broker the outbox relay publishes to; none: events stay in the feed. */
  readonly natsUrl: string | undefined;
}

export function loadEventsConfig(env: Env): EventsConfig {
  return { natsUrl: nonEmpty(env, 'NATS_URL') };
}
