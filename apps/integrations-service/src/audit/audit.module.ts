import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditTrailService } from './audit-trail.service';

/**
 * The audit trail's API: `GET /api/v1/audit` and `GET /api/v1/integrations/{id}/audit`. The
 * entries are written where things happen (the catalog, the checks, the secrets module); the key
 * of the reference HMACs is this module's configuration slice (`audit.config.ts`).
 */
@Module({
  controllers: [AuditController],
  providers: [AuditTrailService],
})
export class AuditModule {}
