import 'reflect-metadata';
import type { UpdateIntegrationDto } from '@stellaops/integrations-contracts';
import type { Integration } from '@stellaops/integrations-core';
import { NotFoundError, PreconditionFailedError } from '@stellaops/integrations-core';
import { anIntegration } from '@stellaops/integrations-testing';
import type { Principal } from '../auth/principal';
import type { RegistrationValidator } from './registration-validator';
import type { CatalogDatabase } from './integrations.service';
import { IntegrationsService, changesOf } from './integrations.service';

const principal: Principal = { subject: 'alice', tenantId: 'tenant-a', scopes: new Set() };

function patch(fields: Partial<UpdateIntegrationDto>): UpdateIntegrationDto {
  return Object.assign(new (class {})() as UpdateIntegrationDto, fields);
}

describe('changesOf', () => {
  const current = anIntegration({
    name: 'main',
    settings: { a: 1, nested: { b: [1, 2] } },
    credentials: { token: 'authref://env/T' },
    tags: ['a', 'b'],
    status: 'active',
  });

  it('keeps only the fields whose value differs', () => {
    expect(
      changesOf(
        current,
        patch({
          name: 'main',
          settings: { nested: { b: [1, 2] }, a: 1 },
          credentials: { token: 'authref://env/OTHER' },
          tags: ['b', ' a ', 'a'],
          status: 'disabled',
        }),
      ),
    ).toEqual({ credentials: { token: 'authref://env/OTHER' }, status: 'disabled' });
  });

  it('is empty for an empty patch', () => {
    expect(changesOf(current, patch({}))).toEqual({});
  });

  it('sees a change deep inside settings', () => {
    expect(changesOf(current, patch({ settings: { a: 1, nested: { b: [2, 1] } } }))).toEqual({
      settings: { a: 1, nested: { b: [2, 1] } },
    });
  });
});

describe('IntegrationsService', () => {
  function setUp(current: Integration | null) {
    const uow = {
      integrations: {
        update: jest.fn(
          async (_tenant: string, _id: string, fields: object, _expected?: number) => ({
            ...current,
            ...fields,
            version: (current?.version ?? 0) + 1,
          }),
        ),
        softDelete: jest.fn(async () => current),
      },
      events: { append: jest.fn(async () => undefined) },
      audit: { record: jest.fn(async () => undefined) },
    };
    const database = {
      integrations: { findById: jest.fn(async () => current) },
      transaction: jest.fn(async (fn: (unit: typeof uow) => Promise<unknown>) => fn(uow)),
    };
    const validator = {
      validateChange: jest.fn(),
      validateRegistration: jest.fn(),
      settingsChange: jest.fn(),
      secretSettings: jest.fn(() => []),
    };
    const service = new IntegrationsService(
      database as unknown as CatalogDatabase,
      validator as unknown as RegistrationValidator,
    );
    return { service, database, uow, validator };
  }

  it('updates conditionally on the version the caller named, in one transaction', async () => {
    const current = anIntegration({ version: 3 });
    const { service, uow, validator, database } = setUp(current);
    const updated = await service.update(principal, current.id, patch({ name: 'new' }), {
      any: false,
      versions: [3],
    });
    expect(updated.version).toBe(4);
    expect(database.transaction).toHaveBeenCalledTimes(1);
    expect(uow.integrations.update).toHaveBeenCalledWith(
      'tenant-a',
      current.id,
      { name: 'new', updatedBy: 'alice' },
      3,
    );
    expect(validator.validateChange).toHaveBeenCalledWith(current, { name: 'new' });
    expect(uow.events.append).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'integration.updated',
        tenantId: current.tenantId,
        payload: expect.objectContaining({ changedFields: ['name'] }),
      }),
    );
    expect(uow.audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        action: 'integration.update',
        details: { changedFields: ['name'] },
      }),
    );
  });

  it('updates unconditionally without If-Match', async () => {
    const current = anIntegration({ version: 3 });
    const { service, uow } = setUp(current);
    await service.update(principal, current.id, patch({ name: 'new' }), undefined);
    expect(uow.integrations.update.mock.calls[0]?.[3]).toBeUndefined();
  });

  it('refuses a stale If-Match before validating or writing', async () => {
    const current = anIntegration({ version: 3 });
    const { service, database, validator } = setUp(current);
    await expect(
      service.update(principal, current.id, patch({ name: 'new' }), { any: false, versions: [2] }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(validator.validateChange).not.toHaveBeenCalled();
    expect(database.transaction).not.toHaveBeenCalled();
  });

  it('answers not found for a missing integration', async () => {
    const { service } = setUp(null);
    await expect(service.get(principal, 'x')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletes conditionally on a single If-Match version without reading first', async () => {
    const current = anIntegration({ version: 2 });
    const { service, database, uow } = setUp(current);
    await service.delete(principal, current.id, { any: false, versions: [2] });
    expect(database.integrations.findById).not.toHaveBeenCalled();
    expect(uow.integrations.softDelete).toHaveBeenCalledWith('tenant-a', current.id, 'alice', 2);
    expect(uow.events.append).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'integration.deleted' }),
    );
  });

  it('reads the current version to match a list of If-Match versions', async () => {
    const current = anIntegration({ version: 5 });
    const { service, database, uow } = setUp(current);
    await service.delete(principal, current.id, { any: false, versions: [4, 5] });
    expect(database.integrations.findById).toHaveBeenCalled();
    expect(uow.integrations.softDelete).toHaveBeenCalledWith('tenant-a', current.id, 'alice', 5);
  });

  it("hands the repository the secret settings' names with new settings, keeping one left out; the event and audit name fields only", async () => {
    const current = anIntegration({
      version: 2,
      settings: { health: 'healthy', webhookSecret: 'whsec-stored' },
      secretSettings: ['webhookSecret'],
    });
    const { service, uow, validator } = setUp(current);
    validator.settingsChange.mockImplementation(() => ({
      settings: { health: 'degraded', webhookSecret: 'whsec-stored' },
      secretSettings: ['webhookSecret'],
    }));
    await service.update(
      principal,
      current.id,
      patch({ settings: { health: 'degraded' } }),
      undefined,
    );
    expect(validator.settingsChange).toHaveBeenCalledWith(current, { health: 'degraded' });
    const settings = { health: 'degraded', webhookSecret: 'whsec-stored' };
    expect(validator.validateChange).toHaveBeenCalledWith(current, { settings });
    expect(uow.integrations.update).toHaveBeenCalledWith(
      'tenant-a',
      current.id,
      { settings, secretSettings: ['webhookSecret'], updatedBy: 'alice' },
      undefined,
    );
    const written = JSON.stringify([uow.events.append.mock.calls, uow.audit.record.mock.calls]);
    expect(written).toContain('"changedFields":["settings"]');
    expect(written).not.toMatch(/whsec-stored|degraded/);
  });

  it('writes nothing when the settings a PATCH makes are the stored ones', async () => {
    const current = anIntegration({
      settings: { health: 'healthy', webhookSecret: 'whsec-stored' },
      secretSettings: ['webhookSecret'],
    });
    const { service, database, validator } = setUp(current);
    validator.settingsChange.mockImplementation(() => ({
      settings: { health: 'healthy', webhookSecret: 'whsec-stored' },
      secretSettings: ['webhookSecret'],
    }));
    await expect(
      service.update(principal, current.id, patch({ settings: { health: 'healthy' } }), undefined),
    ).resolves.toBe(current);
    expect(database.transaction).not.toHaveBeenCalled();
  });

  it('maps a not-found from the repository to the catalog answer', async () => {
    const current = anIntegration();
    const { service, uow } = setUp(current);
    uow.integrations.softDelete.mockRejectedValueOnce(new NotFoundError('row 42 is gone'));
    await expect(service.delete(principal, current.id, undefined)).rejects.toThrow(
      'no integration with this id exists in your tenant',
    );
  });
});
