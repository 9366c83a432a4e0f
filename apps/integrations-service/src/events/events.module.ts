import { Module } from '@nestjs/common';
import { EventsController } from './events.controller';
import { EventsConfigurableModule } from './events.module-definition';
import { EventsRelayService } from './events-relay.service';

/** The lifecycle event feed, and the relay of the outbox to NATS JetStream when NATS_URL is set. */
@Module({
  controllers: [EventsController],
  providers: [EventsRelayService],
})
export class EventsModule extends EventsConfigurableModule {}
