import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Database } from '@stellaops/integrations-persistence';
import { Metrics } from '../observability/metrics/metrics';
import { ReadinessChecks } from '../readiness/readiness-checks';
import { BrokerConnection } from './broker-connection';
import { brokerReadiness } from './broker-readiness';
import type { EventsConfig } from './events.config';
import { EVENTS_CONFIG } from './events.module-definition';
import { JetStreamEventPublisher } from './jetstream-event-publisher';
import { OutboxRelay } from './outbox-relay';
import { registerOutboxGauges } from './outbox-gauges';

export type RelayDatabase = Pick<Database, 'events' | 'leases'>;

/**
 * With NATS_URL: connects to the broker, runs the outbox relay (one replica at a time, by the
 * `outbox-relay` lease), registers the `broker` readiness check and the outbox gauges. Without
 * it, nothing connects anywhere and events stay readable from `GET /api/v1/events`.
 */
@Injectable()
export class EventsRelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** This replica's name as the lease's owner and the NATS client's name. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly connection: BrokerConnection | undefined;
  readonly relay: OutboxRelay | undefined;
  private readonly logger = new Logger('OutboxRelay');

  constructor(
    @Inject(EVENTS_CONFIG) config: EventsConfig,
    @Inject(Database) database: RelayDatabase,
    @Inject(ReadinessChecks) readiness: ReadinessChecks,
    @Inject(Metrics) metrics: Metrics,
  ) {
    if (config.nats === undefined) return;
    this.connection = new BrokerConnection(config.nats, `stellaops-integrations ${this.owner}`);
    this.relay = new OutboxRelay({
      events: database.events,
      leases: database.leases,
      publisher: new JetStreamEventPublisher(
        this.connection,
        config.stream,
        config.relay.publishTimeoutMs,
      ),
      config,
      owner: this.owner,
      logger: this.logger,
    });
    readiness.register(
      brokerReadiness(this.connection, this.relay, database.events, config.stream.name),
    );
    registerOutboxGauges(metrics, database.events);
  }

  onApplicationBootstrap(): void {
    if (this.connection === undefined || this.relay === undefined) {
      this.logger.log(
        'NATS_URL is not set: events are not published, GET /api/v1/events serves them',
      );
      return;
    }
    this.connection.start();
    this.relay.start();
  }

  /** Before the database closes: the relay marks what was acked and releases its lease. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
    await this.connection?.close();
  }
}
