import 'reflect-metadata';
import type { CheckResult, Integration, LifecycleEvent } from '@stellaops/integrations-core';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { AuditRecord } from './audit-entry.dto';
import { AuditEntryDto, auditEntrySchema } from './audit-entry.dto';
import { AuditListDto, auditListSchema, toAuditListDto } from './audit-list.dto';
import { CheckResultDto, checkResultSchema, toCheckResultDto } from './check-result.dto';
import { EventListDto, eventListSchema, toEventListDto } from './event-list.dto';
import type { HealthHistoryRecord } from './health-history-entry.dto';
import { HealthHistoryEntryDto, healthHistoryEntrySchema } from './health-history-entry.dto';
import {
  CurrentHealthDto,
  IntegrationHealthDto,
  integrationHealthSchema,
  toIntegrationHealthDto,
  AvailabilityDto,
  AvailabilityWindowDto,
} from './integration-health.dto';
import {
  IntegrationListDto,
  integrationListSchema,
  toIntegrationListDto,
} from './integration-list.dto';
import { IntegrationDto, integrationSchema, toIntegrationDto } from './integration.dto';
import { LifecycleEventDto, lifecycleEventSchema } from './lifecycle-event.dto';
import { ProblemDetailsDto, problemDetailsSchema } from './problem-details.dto';
import { ProviderListDto, providerListSchema, toProviderListDto } from './provider-list.dto';
import type { ProviderPlugin } from './provider.dto';
import { CredentialSlotDto, ProviderDto, ProviderPluginDto, providerSchema } from './provider.dto';

// @nestjs/swagger's metadata keys (its constants module is not exported).
const SWAGGER_PROPERTIES = 'swagger/apiModelPropertiesArray';
const SWAGGER_PROPERTY = 'swagger/apiModelProperties';

const ajv = new Ajv({ strict: true, allErrors: true });
addFormats(ajv);

interface JsonObjectSchema {
  readonly properties: Record<string, unknown>;
  readonly required: readonly string[];
}

function swaggerProperties(type: new () => object): { all: string[]; required: string[] } {
  const names = (Reflect.getMetadata(SWAGGER_PROPERTIES, type.prototype) as string[]).map((name) =>
    name.replace(/^:/, ''),
  );
  const required = names.filter((name) => {
    const options = Reflect.getMetadata(SWAGGER_PROPERTY, type.prototype, name) as {
      required?: boolean;
    };
    return options.required !== false;
  });
  return { all: names.sort(), required: required.sort() };
}

const integration: Integration = {
  id: '6f1c2a8e-3b0d-4c1e-9a57-2f4d5b6c7d8e',
  tenantId: 'tenant-a',
  name: 'github-main',
  type: 'scm',
  provider: 'github-app',
  endpoint: 'https://api.github.com',
  settings: { appId: 42, nested: { deep: [1, 'two'] } },
  secretSettings: [],
  credentials: { privateKey: 'authref://env/GITHUB_APP_KEY' },
  status: 'active',
  health: 'degraded',
  lastCheckedAt: '2026-11-02T10:00:00.000Z',
  lastHealthMessage: 'slow',
  consecutiveFailures: 0,
  healthCheckIntervalSeconds: 300,
  tags: ['prod', 'team-a'],
  createdAt: '2026-11-01T09:00:00.000Z',
  updatedAt: '2026-11-02T09:30:00.000Z',
  createdBy: 'alice',
  updatedBy: 'bob',
  version: 3,
};

const failedCheck: CheckResult = {
  success: false,
  status: 'unhealthy',
  message: 'the token was refused',
  durationMs: 12.7,
  checkedAt: '2026-11-02T10:00:00.000Z',
  isTransient: false,
  phase: 'auth',
  details: { httpStatus: 401 },
};

const historyEntry: HealthHistoryRecord = {
  ...failedCheck,
  id: '0f8e4a3c-1d2b-4e5f-8a9b-0c1d2e3f4a5b',
};

const availability: AvailabilityDto = {
  last24h: {
    windowSeconds: 86_400,
    availability: 0.75,
    checks: 4,
    upSeconds: 3_600,
    downSeconds: 1_200,
    unknownSeconds: 81_600,
  },
  last7d: {
    windowSeconds: 604_800,
    availability: null,
    checks: 0,
    upSeconds: 0,
    downSeconds: 0,
    unknownSeconds: 604_800,
  },
};

const event: LifecycleEvent = {
  id: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
  type: 'integration.updated',
  tenantId: 'tenant-a',
  integrationId: integration.id,
  occurredAt: '2026-11-02T10:00:00.000Z',
  payload: {
    integration: {
      id: integration.id,
      name: 'github-main',
      type: 'scm',
      provider: 'github-app',
      version: 3,
    },
    changedFields: ['name'],
  },
};

const auditEntries: readonly AuditRecord[] = [
  {
    id: '42',
    tenantId: 'tenant-a',
    occurredAt: '2026-11-02T10:00:01.000Z',
    actor: 'alice',
    action: 'secret.resolved',
    integrationId: integration.id,
    details: {
      slot: 'privateKey',
      store: 'env',
      referenceHmac: 'a'.repeat(64),
      purpose: 'test',
    },
  },
  {
    id: '41',
    tenantId: 'tenant-a',
    occurredAt: '2026-11-02T10:00:00.000Z',
    actor: 'alice',
    action: 'secret.failed',
    integrationId: null,
    details: { slot: 'token', store: 'file', failure: 'unresolved' },
  },
];

function plugin(type: string, provider: string, description?: string): ProviderPlugin {
  return {
    name: `${provider}-plugin`,
    type,
    provider,
    packageName: `@acme/plugin-${provider}`,
    packageVersion: '1.4.2',
    manifest: {
      displayName: provider.toUpperCase(),
      ...(description === undefined ? {} : { description }),
      contractVersion: '1.0',
      settingsSchema: { type: 'object', properties: { latencyMs: { type: 'integer' } } },
      credentialSlots: [{ name: 'token', description: 'An API token', required: false }],
      requiredScopes: ['read_api'],
      capabilities: ['test-connection', 'health-check'],
    },
  };
}

const cases: ReadonlyArray<{
  readonly name: string;
  readonly dto: new () => object;
  readonly schema: JsonObjectSchema;
  readonly sample: unknown;
}> = [
  {
    name: 'IntegrationDto',
    dto: IntegrationDto,
    schema: integrationSchema,
    sample: toIntegrationDto(integration),
  },
  {
    name: 'IntegrationListDto',
    dto: IntegrationListDto,
    schema: integrationListSchema,
    sample: toIntegrationListDto([integration], 'eyJ9'),
  },
  {
    name: 'CheckResultDto',
    dto: CheckResultDto,
    schema: checkResultSchema,
    sample: toCheckResultDto(failedCheck),
  },
  {
    name: 'HealthHistoryEntryDto',
    dto: HealthHistoryEntryDto,
    schema: healthHistoryEntrySchema,
    sample: toIntegrationHealthDto(integration, [historyEntry], availability).history[0],
  },
  {
    name: 'IntegrationHealthDto',
    dto: IntegrationHealthDto,
    schema: integrationHealthSchema,
    sample: toIntegrationHealthDto(integration, [historyEntry], availability),
  },
  {
    name: 'AvailabilityWindowDto',
    dto: AvailabilityWindowDto,
    schema: integrationHealthSchema.properties.availability.properties.last24h,
    sample: availability.last24h,
  },
  {
    name: 'AvailabilityDto',
    dto: AvailabilityDto,
    schema: integrationHealthSchema.properties.availability,
    sample: availability,
  },
  {
    name: 'CurrentHealthDto',
    dto: CurrentHealthDto,
    schema: integrationHealthSchema.properties.current,
    sample: toIntegrationHealthDto(integration, [], availability).current,
  },
  {
    name: 'ProviderListDto',
    dto: ProviderListDto,
    schema: providerListSchema,
    sample: toProviderListDto([plugin('scm', 'gitlab', 'GitLab'), plugin('registry', 'oci')]),
  },
  {
    name: 'ProviderDto',
    dto: ProviderDto,
    schema: providerSchema,
    sample: toProviderListDto([plugin('scm', 'gitlab', 'GitLab')]).items[0],
  },
  {
    name: 'ProviderPluginDto',
    dto: ProviderPluginDto,
    schema: providerSchema.properties.plugin,
    sample: toProviderListDto([plugin('scm', 'gitlab')]).items[0]?.plugin,
  },
  {
    name: 'CredentialSlotDto',
    dto: CredentialSlotDto,
    schema: providerSchema.properties.credentialSlots.items,
    sample: toProviderListDto([plugin('scm', 'gitlab')]).items[0]?.credentialSlots[0],
  },
  {
    name: 'LifecycleEventDto',
    dto: LifecycleEventDto,
    schema: lifecycleEventSchema,
    sample: toEventListDto([event], null).items[0],
  },
  {
    name: 'EventListDto',
    dto: EventListDto,
    schema: eventListSchema,
    sample: toEventListDto([event], null),
  },
  {
    name: 'AuditEntryDto',
    dto: AuditEntryDto,
    schema: auditEntrySchema,
    sample: toAuditListDto(auditEntries, false).items[1],
  },
  {
    name: 'AuditListDto',
    dto: AuditListDto,
    schema: auditListSchema,
    sample: toAuditListDto(auditEntries, true),
  },
  {
    name: 'ProblemDetailsDto',
    dto: ProblemDetailsDto,
    schema: problemDetailsSchema,
    sample: {
      type: 'https://stellaops.dev/problems/invalid-input',
      title: 'Bad Request',
      status: 400,
      detail: 'invalid input',
      instance: '/api/v1/integrations',
      errors: [{ path: '/name', message: 'must not be empty' }],
    },
  },
];

describe.each(cases)('$name', ({ dto, schema, sample }) => {
  it('declares the same properties as its JSON Schema', () => {
    const swagger = swaggerProperties(dto);
    expect(swagger.all).toEqual(Object.keys(schema.properties).sort());
    expect(swagger.required).toEqual([...schema.required].sort());
  });

  it('validates what its mapper produces against its JSON Schema', () => {
    const validate = ajv.compile(schema);
    expect(sample).toBeDefined();
    expect(validate(sample)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
  });
});

describe('the mappers', () => {
  it('leave the tenant out of a registration', () => {
    const dto = toIntegrationDto(integration);
    expect(dto).not.toHaveProperty('tenantId');
    expect(dto).toEqual({
      ...Object.fromEntries(Object.entries(integration).filter(([key]) => key !== 'tenantId')),
      settingsReadable: true,
      credentialsReadable: true,
    });
  });

  it('leave secret settings out of a registration, naming them', () => {
    const withSecrets: Integration = {
      ...integration,
      settings: { ...integration.settings, webhookSecret: 'whsec-never-shown', apiKey: { a: 1 } },
      secretSettings: ['apiKey', 'webhookSecret'],
    };
    const dto = toIntegrationDto(withSecrets);
    expect(dto.settings).toEqual(integration.settings);
    expect(dto.secretSettings).toEqual(['apiKey', 'webhookSecret']);
    expect(dto.settingsReadable).toBe(true);
    expect(JSON.stringify(toIntegrationListDto([withSecrets], null))).not.toMatch(
      /whsec-never-shown|"a":1/,
    );
    expect(ajv.validate(integrationSchema, dto)).toBe(true);
  });

  it('mark a registration whose secret settings cannot be read, without saying why', () => {
    const dto = toIntegrationDto({
      ...integration,
      secretSettings: ['webhookSecret'],
      settingsUnreadable:
        'the sealed value "settings.webhookSecret" of integration x failed authentication under key A',
    });
    expect(dto).toMatchObject({ secretSettings: ['webhookSecret'], settingsReadable: false });
    expect(JSON.stringify(dto)).not.toContain('key A');
  });

  it('mark a registration whose credentials cannot be read, without saying why', () => {
    const dto = toIntegrationDto({
      ...integration,
      credentials: {},
      credentialsUnreadable: 'encrypted with another key (fingerprint 0123456789abcdef)',
    });
    expect(dto).toMatchObject({ credentials: {}, credentialsReadable: false });
    expect(JSON.stringify(dto)).not.toContain('fingerprint');
  });

  it('round a check duration to whole milliseconds', () => {
    expect(toCheckResultDto(failedCheck).durationMs).toBe(13);
    expect(toCheckResultDto({ ...failedCheck, durationMs: -1 }).durationMs).toBe(0);
  });

  it('describe the current health from the registration', () => {
    expect(toIntegrationHealthDto(integration, [], availability).current).toEqual({
      status: 'degraded',
      lastCheckedAt: '2026-11-02T10:00:00.000Z',
      message: 'slow',
      consecutiveFailures: 0,
    });
  });

  it('order providers by type, then provider, and omit an absent description', () => {
    const list = toProviderListDto([
      plugin('scm', 'gitlab'),
      plugin('registry', 'oci'),
      plugin('scm', 'github-app', 'GitHub'),
      plugin('registry', 'harbor'),
    ]);
    expect(list.items.map((item) => `${item.type}/${item.provider}`)).toEqual([
      'registry/harbor',
      'registry/oci',
      'scm/github-app',
      'scm/gitlab',
    ]);
    expect(list.items[0]).not.toHaveProperty('description');
    expect(list.items[2]?.description).toBe('GitHub');
    expect(list.items[0]?.plugin).toEqual({
      name: 'harbor-plugin',
      package: '@acme/plugin-harbor',
      version: '1.4.2',
    });
  });

  it("point the event feed on from the last event, or stay at the request's position", () => {
    expect(toEventListDto([event], null).nextAfter).toBe(event.id);
    expect(toEventListDto([], 'some-id').nextAfter).toBe('some-id');
    expect(toEventListDto([], null).nextAfter).toBeNull();
  });

  it('point an audit page to the next by its last id, and to nothing after the last page', () => {
    expect(toAuditListDto(auditEntries, true).nextAfter).toBe('41');
    expect(toAuditListDto(auditEntries, false).nextAfter).toBeNull();
    expect(toAuditListDto([], false)).toEqual({ items: [], nextAfter: null });
    expect(toAuditListDto(auditEntries, false).items).toEqual(auditEntries);
  });

  it('are refused by the schema when a required field is missing', () => {
    const { version: _version, ...withoutVersion } = toIntegrationDto(integration);
    expect(ajv.validate(integrationSchema, withoutVersion)).toBe(false);
  });
});
