import { Module } from '@nestjs/common';
import { HealthConfigurableModule } from './health.module-definition';
import { ProbesController } from './probes.controller';

/** Health: connection tests and checks, the poller, the status model and history; the probes. */
@Module({
  controllers: [ProbesController],
})
export class HealthModule extends HealthConfigurableModule {}
