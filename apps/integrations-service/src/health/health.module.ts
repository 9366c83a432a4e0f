import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from './database.health-indicator';
import { ProbesController } from './probes.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [ProbesController],
  providers: [DatabaseHealthIndicator],
})
export class HealthModule {}
