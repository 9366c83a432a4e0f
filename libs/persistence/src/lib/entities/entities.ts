import { AuditLogEntity } from './audit-log.entity';
import { EventOutboxEntity } from './event-outbox.entity';
import { HealthHistoryEntity } from './health-history.entity';
import { IntegrationEntity } from './integration.entity';
import { LeaseEntity } from './lease.entity';

/** Every entity of the catalog's schema, for the DataSource. */
export const ENTITIES = [
  IntegrationEntity,
  HealthHistoryEntity,
  EventOutboxEntity,
  AuditLogEntity,
  LeaseEntity,
];
