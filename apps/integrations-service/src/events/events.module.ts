import { Module } from '@nestjs/common';
import { EventsController } from './events.controller';
import { EventsConfigurableModule } from './events.module-definition';

/** The lifecycle event feed, and the relay of the outbox to NATS JetStream when NATS_URL is set. */
@Module({
  controllers: [EventsController],
})
export class EventsModule extends EventsConfigurableModule {}
