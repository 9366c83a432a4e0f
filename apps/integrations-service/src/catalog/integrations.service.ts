import { Inject, Injectable } from '@nestjs/common';
import type {
  RegisterIntegrationDto,
  UpdateIntegrationDto,
} from '@stellaops/integrations-contracts';
import type { Integration, IntegrationPatch } from '@stellaops/integrations-core';
import {
  DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS,
  NotFoundError,
  normalizeTags,
} from '@stellaops/integrations-core';
import type { IntegrationPage } from '@stellaops/integrations-persistence';
import { Database } from '@stellaops/integrations-persistence';
import type { Principal } from '../auth/principal';
import type { IfMatch } from './entity-tag';
import { expectedVersion } from './entity-tag';
import { integrationNotFound } from './integration-id.pipe';
import { jsonEqual } from './json-equal';
import { LifecycleEvents } from './lifecycle-events';
import { decodeListCursor } from './list-cursor';
import type { ListIntegrationsQuery } from './list-integrations-query.pipe';
import { RegistrationValidator } from './registration-validator';

/** The part of the database the catalog uses (a narrow seam for tests). */
export type CatalogDatabase = Pick<Database, 'integrations' | 'healthHistory' | 'transaction'>;

export const AuditActions = {
  Register: 'integration.register',
  Update: 'integration.update',
  Delete: 'integration.delete',
  Test: 'integration.test',
  HealthCheck: 'integration.health-check',
} as const;

type PatchField = keyof IntegrationPatch;
const PATCH_FIELDS: readonly PatchField[] = [
  'name',
  'endpoint',
  'settings',
  'credentials',
  'status',
  'healthCheckIntervalSeconds',
  'tags',
];

/** Turns a persistence NotFoundError into the catalog's one answer for a missing registration. */
function orNotFound<T>(promise: Promise<T>): Promise<T> {
  return promise.catch((error: unknown) => {
    throw error instanceof NotFoundError ? integrationNotFound() : error;
  });
}

/**
 * Registration CRUD. Every write runs in one transaction with its lifecycle event (the outbox)
 * and an audit entry; every read and write is confined to the caller's tenant.
 */
@Injectable()
export class IntegrationsService {
  constructor(
    @Inject(Database) private readonly database: CatalogDatabase,
    @Inject(RegistrationValidator) private readonly validator: RegistrationValidator,
  ) {}

  async register(principal: Principal, dto: RegisterIntegrationDto): Promise<Integration> {
    const plugin = this.validator.validateRegistration(dto, principal.tenantId);
    return this.database.transaction(async (uow) => {
      const integration = await uow.integrations.insert({
        tenantId: principal.tenantId,
        name: dto.name,
        type: dto.type,
        provider: dto.provider,
        endpoint: dto.endpoint,
        settings: dto.settings,
        secretSettings: this.validator.secretSettings(plugin),
        credentials: dto.credentials,
        healthCheckIntervalSeconds:
          dto.healthCheckIntervalSeconds ?? DEFAULT_HEALTH_CHECK_INTERVAL_SECONDS,
        tags: normalizeTags(dto.tags),
        createdBy: principal.subject,
      });
      await uow.events.append(LifecycleEvents.registered(integration));
      await uow.audit.record({
        tenantId: principal.tenantId,
        actor: principal.subject,
        action: AuditActions.Register,
        integrationId: integration.id,
        details: { name: integration.name, type: integration.type, provider: integration.provider },
      });
      return integration;
    });
  }

  async get(principal: Principal, id: string): Promise<Integration> {
    const integration = await this.database.integrations.findById(principal.tenantId, id);
    if (integration === null) throw integrationNotFound();
    return integration;
  }

  /** One page, ordered by name then id; `query` is already validated. */
  list(principal: Principal, query: ListIntegrationsQuery): Promise<IntegrationPage> {
    return this.database.integrations.list({
      tenantId: principal.tenantId,
      limit: query.limit,
      ...(query.type === undefined ? {} : { type: query.type }),
      ...(query.provider === undefined ? {} : { provider: query.provider }),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.health === undefined ? {} : { health: query.health }),
      ...(query.tag === undefined ? {} : { tag: query.tag }),
      ...(query.q === undefined ? {} : { q: query.q }),
      ...(query.cursor === undefined ? {} : { after: decodeListCursor(query.cursor) }),
    });
  }

  /**
   * Applies the fields of `dto` that differ from the stored registration. A patch that changes
   * nothing writes nothing (no new version, no event) and returns the registration as it is.
   * `settings` replaces the settings, except that a secret setting it leaves out is kept and one
   * it sets to `null` is removed (see `RegistrationValidator.settingsChange`).
   */
  async update(
    principal: Principal,
    id: string,
    dto: UpdateIntegrationDto,
    ifMatch: IfMatch | undefined,
  ): Promise<Integration> {
    const current = await this.get(principal, id);
    const version = expectedVersion(ifMatch, current);
    const settings =
      dto.settings === undefined ? undefined : this.validator.settingsChange(current, dto.settings);
    const patch = changesOf(
      current,
      settings === undefined ? dto : { ...dto, settings: { ...settings.settings } },
    );
    // Names only: an audit entry or event never carries a value.
    const changedFields = Object.keys(patch);
    if (changedFields.length === 0) return current;
    this.validator.validateChange(current, patch);
    return this.database.transaction(async (uow) => {
      const updated = await orNotFound(
        uow.integrations.update(
          principal.tenantId,
          id,
          {
            ...patch,
            ...(patch.settings === undefined || settings === undefined
              ? {}
              : { secretSettings: settings.secretSettings }),
            updatedBy: principal.subject,
          },
          version,
        ),
      );
      await uow.events.append(LifecycleEvents.updated(updated, changedFields));
      await uow.audit.record({
        tenantId: principal.tenantId,
        actor: principal.subject,
        action: AuditActions.Update,
        integrationId: id,
        details: { changedFields },
      });
      return updated;
    });
  }

  /** Soft-deletes: the registration disappears from reads and its name becomes free. */
  async delete(principal: Principal, id: string, ifMatch: IfMatch | undefined): Promise<void> {
    let version: number | undefined;
    if (ifMatch !== undefined && !ifMatch.any) {
      const [only, ...others] = ifMatch.versions;
      // One version is checked atomically by the delete; anything else needs the current one.
      version =
        only !== undefined && others.length === 0
          ? only
          : expectedVersion(ifMatch, await this.get(principal, id));
    }
    await this.database.transaction(async (uow) => {
      const deleted = await orNotFound(
        uow.integrations.softDelete(principal.tenantId, id, principal.subject, version),
      );
      await uow.events.append(LifecycleEvents.deleted(deleted));
      await uow.audit.record({
        tenantId: principal.tenantId,
        actor: principal.subject,
        action: AuditActions.Delete,
        integrationId: id,
        details: { name: deleted.name },
      });
    });
  }
}

/** The fields of `dto` whose value differs from `current`'s (tags compared normalized). */
export function changesOf(current: Integration, dto: UpdateIntegrationDto): IntegrationPatch {
  const patch: Record<string, unknown> = {};
  for (const field of PATCH_FIELDS) {
    const requested =
      field === 'tags' && dto.tags !== undefined ? normalizeTags(dto.tags) : dto[field];
    if (requested !== undefined && !jsonEqual(requested, current[field])) patch[field] = requested;
  }
  return patch as IntegrationPatch;
}
