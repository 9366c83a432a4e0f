import { Inject } from '@nestjs/common';

export const SERVICE_CONFIG = 'INTEGRATIONS:SERVICE_CONFIG';

/** Injects the validated `ServiceConfig`. */
export const InjectServiceConfig = (): ParameterDecorator => Inject(SERVICE_CONFIG);
