import type { AuditLogRepository } from './repositories/audit-log-repository';
import type { EventOutboxRepository } from './repositories/event-outbox-repository';
import type { HealthHistoryRepository } from './repositories/health-history-repository';
import type { HealthPollRepository } from './repositories/health-poll-repository';
import type { IntegrationRepository } from './repositories/integration-repository';
import type { LeaseRepository } from './repositories/lease-repository';

/** The repositories of one transaction: everything done through them commits or rolls back together. */
export interface UnitOfWork {
  readonly integrations: IntegrationRepository;
  readonly events: EventOutboxRepository;
  readonly healthHistory: HealthHistoryRepository;
  readonly audit: AuditLogRepository;
  /** The health poller's claims and batched results. */
  readonly polls: HealthPollRepository;
  readonly leases: LeaseRepository;
}
