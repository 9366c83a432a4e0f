import { Global, Module } from '@nestjs/common';
import { ReadinessChecks } from './readiness-checks';

/** The registry of readiness checks, for every module to add its own to. */
@Global()
@Module({ providers: [ReadinessChecks], exports: [ReadinessChecks] })
export class ReadinessModule {}
