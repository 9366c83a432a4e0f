import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { CanActivate, DynamicModule, ExecutionContext } from '@nestjs/common';
import {
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  Module,
  UnauthorizedException,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import type { HealthStatus, Integration, LifecycleEvent } from '@stellaops/integrations-core';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  normalizeTags,
} from '@stellaops/integrations-core';
import type {
  HealthHistoryEntry,
  IntegrationHealthUpdate,
  IntegrationListQuery,
  IntegrationRecordPatch,
  NewAuditEntry,
  NewHealthHistoryEntry,
  NewIntegrationRecord,
} from '@stellaops/integrations-persistence';
import { Database } from '@stellaops/integrations-persistence';
import type { IntegrationConnectorPlugin } from '@stellaops/integrations-plugin-abstractions';
import { createInMemoryPlugin } from '@stellaops/integrations-plugin-in-memory';
import type { FastifyRequest, LightMyRequestResponse as InjectResponse } from 'fastify';
import type { Principal } from '../auth/principal';
import { setRequestPrincipal } from '../auth/request-principal';
import { REQUIRED_SCOPES } from '../auth/require-scopes.decorator';
import { loadOutboundConfig } from '../config/outbound-config';
import type { ServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../config/service-config.token';
import { loadHealthConfig } from '../health/health.config';
import { HealthModule } from '../health/health.module';
import { Metrics } from '../observability/metrics/metrics';
import { PluginRegistry } from '../plugins/plugin-registry';
import { ProblemDetailsFilter } from '../problem/problem-details.filter';
import { ReadinessModule } from '../readiness/readiness.module';
import { loadSecretStoresConfig } from '../secrets/stores.config';
import { CatalogModule } from './catalog.module';

const TENANT = 'tenant-a';
const OTHER_TENANT = 'tenant-b';
const ALL = 'integrations:read integrations:write integrations:operate';
const SECRET_VALUE = 'catalog-spec-token-value-7f3a';
const TOKEN_VARIABLE = 'CATALOG_MODULE_SPEC_TOKEN';

type Row = Integration & { deleted: boolean };

/** As the repository lists them: the secret names that `settings` holds, sorted. */
function secretNamesIn(
  settings: Readonly<Record<string, unknown>>,
  names: readonly string[] | undefined,
): string[] {
  return (names ?? []).filter((name) => Object.hasOwn(settings, name)).sort();
}

/**
 * The catalog's view of persistence, in memory: tenant-scoped, versioned, names unique per
 * tenant, and a `transaction` that restores everything when its callback throws.
 */
class FakeDatabase {
  rows = new Map<string, Row>();
  history: HealthHistoryEntry[] = [];
  events: LifecycleEvent[] = [];
  auditLog: NewAuditEntry[] = [];
  transactions = 0;

  readonly integrations = {
    insert: async (record: NewIntegrationRecord): Promise<Integration> => {
      this.assertNameFree(record.tenantId, record.name, undefined);
      const now = new Date().toISOString();
      const row: Row = {
        id: randomUUID(),
        tenantId: record.tenantId,
        name: record.name,
        type: record.type,
        provider: record.provider,
        endpoint: record.endpoint,
        settings: record.settings,
        secretSettings: secretNamesIn(record.settings, record.secretSettings),
        credentials: record.credentials,
        status: record.status ?? 'pending',
        health: 'unknown',
        lastCheckedAt: null,
        lastHealthMessage: null,
        consecutiveFailures: 0,
        healthCheckIntervalSeconds: record.healthCheckIntervalSeconds,
        tags: normalizeTags(record.tags),
        createdAt: now,
        updatedAt: now,
        createdBy: record.createdBy,
        updatedBy: record.createdBy,
        version: 1,
        deleted: false,
      };
      this.rows.set(row.id, row);
      return this.public(row);
    },
    findById: async (tenantId: string, id: string): Promise<Integration | null> => {
      const row = this.live(tenantId, id);
      return row === undefined ? null : this.public(row);
    },
    list: async (query: IntegrationListQuery) => {
      const matching = [...this.rows.values()]
        .filter(
          (row) =>
            !row.deleted &&
            row.tenantId === query.tenantId &&
            (query.type === undefined || row.type === query.type) &&
            (query.provider === undefined || row.provider === query.provider) &&
            (query.status === undefined || row.status === query.status) &&
            (query.health === undefined || row.health === query.health) &&
            (query.tag === undefined || row.tags.includes(query.tag)) &&
            (query.q === undefined || row.name.toLowerCase().includes(query.q.toLowerCase())),
        )
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1))
        .filter(
          (row) =>
            query.after === undefined ||
            row.name > query.after.name ||
            (row.name === query.after.name && row.id > query.after.id),
        );
      const items = matching.slice(0, query.limit).map((row) => this.public(row));
      const last = items.at(-1);
      return {
        items,
        next:
          matching.length > query.limit && last !== undefined
            ? { name: last.name, id: last.id }
            : null,
      };
    },
    update: async (
      tenantId: string,
      id: string,
      { secretSettings, ...patch }: IntegrationRecordPatch,
      expectedVersion?: number,
    ): Promise<Integration> => {
      const row = this.live(tenantId, id);
      if (row === undefined) throw new NotFoundError('gone');
      if (expectedVersion !== undefined && row.version !== expectedVersion) {
        throw new PreconditionFailedError('version moved on');
      }
      if (patch.name !== undefined) this.assertNameFree(tenantId, patch.name, id);
      const updated: Row = {
        ...row,
        ...patch,
        ...(patch.settings === undefined
          ? {}
          : { secretSettings: secretNamesIn(patch.settings, secretSettings) }),
        version: row.version + 1,
        updatedAt: new Date().toISOString(),
      };
      this.rows.set(id, updated);
      return this.public(updated);
    },
    softDelete: async (
      tenantId: string,
      id: string,
      deletedBy: string,
      expectedVersion?: number,
    ): Promise<Integration> => {
      const row = this.live(tenantId, id);
      if (row === undefined) throw new NotFoundError('gone');
      if (expectedVersion !== undefined && row.version !== expectedVersion) {
        throw new PreconditionFailedError('version moved on');
      }
      const deleted: Row = {
        ...row,
        deleted: true,
        version: row.version + 1,
        updatedBy: deletedBy,
      };
      this.rows.set(id, deleted);
      return this.public(deleted);
    },
    recordHealth: async (tenantId: string, id: string, result: IntegrationHealthUpdate) => {
      const row = this.live(tenantId, id);
      if (row === undefined) return null;
      const previousHealth: HealthStatus = row.health;
      const updated: Row = {
        ...row,
        health: result.status,
        lastHealthMessage: result.message,
        lastCheckedAt: result.checkedAt,
        consecutiveFailures: result.consecutiveFailures,
        status: result.integrationStatus ?? row.status,
      };
      this.rows.set(id, updated);
      return { integration: this.public(updated), previousHealth };
    },
  };

  readonly healthHistory = {
    append: async (entry: NewHealthHistoryEntry) => {
      this.history.push({ ...entry, id: randomUUID() });
    },
    list: async (tenantId: string, integrationId: string, limit: number) =>
      this.history
        .filter((entry) => entry.tenantId === tenantId && entry.integrationId === integrationId)
        .reverse()
        .slice(0, limit),
    // The SQL computes it (its own specs check the arithmetic); here only the entries count.
    availability: async (tenantId: string, integrationId: string, windows: readonly number[]) =>
      windows.map((windowSeconds) => {
        const checks = this.history.filter(
          (entry) => entry.tenantId === tenantId && entry.integrationId === integrationId,
        ).length;
        return {
          windowSeconds,
          availability: null,
          checks,
          upSeconds: 0,
          downSeconds: 0,
          unknownSeconds: windowSeconds,
        };
      }),
  };

  readonly audit = {
    record: async (entry: NewAuditEntry) => {
      this.auditLog.push(entry);
    },
  };

  async transaction<T>(fn: (uow: unknown) => Promise<T>): Promise<T> {
    this.transactions += 1;
    const snapshot = {
      rows: new Map(this.rows),
      history: [...this.history],
      events: [...this.events],
      auditLog: [...this.auditLog],
    };
    try {
      return await fn({
        integrations: this.integrations,
        healthHistory: this.healthHistory,
        audit: this.audit,
        events: {
          append: async (event: LifecycleEvent) => {
            this.events.push(event);
            return { ...event, position: String(this.events.length) };
          },
        },
      });
    } catch (error) {
      Object.assign(this, snapshot);
      throw error;
    }
  }

  eventTypes(): string[] {
    return this.events.map((event) => event.type);
  }

  private live(tenantId: string, id: string): Row | undefined {
    const row = this.rows.get(id);
    return row !== undefined && !row.deleted && row.tenantId === tenantId ? row : undefined;
  }

  private assertNameFree(tenantId: string, name: string, except: string | undefined): void {
    for (const row of this.rows.values()) {
      if (!row.deleted && row.tenantId === tenantId && row.name === name && row.id !== except) {
        throw new ConflictError(`an integration named ${name} already exists`);
      }
    }
  }

  private public(row: Row): Integration {
    const { deleted: _deleted, ...integration } = row;
    return integration;
  }
}

/** Stands in for the JWT guard: `Authorization: Bearer <tenant>|<subject>|<scopes>`. */
@Injectable()
class TestAuthGuard implements CanActivate {
  constructor(@Inject(Reflector) private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    if (header === undefined || !header.startsWith('Bearer ')) throw new UnauthorizedException();
    const [tenantId = '', subject = '', scopes = ''] = header.slice(7).split('|');
    const principal: Principal = { tenantId, subject, scopes: new Set(scopes.split(' ')) };
    const required = this.reflector.getAllAndOverride<readonly string[] | undefined>(
      REQUIRED_SCOPES,
      [context.getHandler(), context.getClass()],
    );
    if (required === undefined) throw new ForbiddenException('no scopes declared');
    for (const scope of required) {
      if (!principal.scopes.has(scope)) throw new ForbiddenException(`needs ${scope}`);
    }
    setRequestPrincipal(request, principal);
    return true;
  }
}

@Module({})
class TestInfrastructure {
  static forRoot(database: FakeDatabase, config: Partial<ServiceConfig>): DynamicModule {
    return {
      module: TestInfrastructure,
      global: true,
      providers: [
        { provide: Database, useValue: database },
        { provide: SERVICE_CONFIG, useValue: config },
        {
          provide: Metrics,
          useValue: {
            recordHealthCheck: () => undefined,
            recordTestConnection: () => undefined,
            registerGauge: () => undefined,
          },
        },
      ],
      exports: [Database, SERVICE_CONFIG, Metrics],
    };
  }
}

function variant(
  base: IntegrationConnectorPlugin,
  overrides: Partial<IntegrationConnectorPlugin>,
): IntegrationConnectorPlugin {
  return Object.assign(Object.create(base) as IntegrationConnectorPlugin, overrides);
}

const inMemory = createInMemoryPlugin();
const githubLike = variant(inMemory, {
  name: 'github-app',
  type: 'scm',
  provider: 'github-app',
  manifest: {
    ...inMemory.manifest,
    displayName: 'GitHub App',
    settingsSchema: {
      type: 'object',
      required: ['appId'],
      properties: { appId: { type: 'integer', minimum: 1 } },
    },
    credentialSlots: [{ name: 'privateKey', description: 'the App key', required: true }],
  },
});
const hanging = variant(inMemory, {
  name: 'hanging',
  type: 'registry',
  provider: 'hanging',
  testConnection: () => new Promise(() => undefined),
  checkHealth: () => {
    throw new Error('the plugin exploded');
  },
});
const plugins = [githubLike, hanging, inMemory];

describe('CatalogModule (with the health module) over HTTP', () => {
  let app: NestFastifyApplication;
  let database: FakeDatabase;

  beforeAll(async () => {
    process.env[TOKEN_VARIABLE] = SECRET_VALUE;
    Logger.overrideLogger(false);
    database = new FakeDatabase();
    const registry = {
      list: () => plugins,
      get: (type: string, provider: string) =>
        plugins.find((plugin) => plugin.type === type && plugin.provider === provider),
      origin: () => ({ packageName: '@acme/test-plugins', packageVersion: '0.0.1' }),
    };
    const moduleRef = await Test.createTestingModule({
      imports: [
        TestInfrastructure.forRoot(database, {
          checkTimeoutMs: 100,
          dataDir: '/nonexistent/catalog-spec',
          secretsDir: undefined,
          secretsEnvAllow: [TOKEN_VARIABLE],
          secretsTenantStores: undefined,
          outbound: loadOutboundConfig({}),
          audit: { hmacKey: { from: 'AUDIT_HMAC_KEY', key: Buffer.alloc(32, 1) } },
          secretStores: loadSecretStoresConfig({}),
        }),
        ReadinessModule,
        CatalogModule,
        HealthModule.forRoot({
          ...loadHealthConfig({}),
          checkTimeoutMs: 100,
          poller: { ...loadHealthConfig({}).poller, enabled: false },
        }),
      ],
      providers: [
        { provide: APP_GUARD, useClass: TestAuthGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    })
      .overrideProvider(PluginRegistry)
      .useValue(registry)
      .compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    delete process.env[TOKEN_VARIABLE];
    await app.close();
  });

  beforeEach(() => {
    database.rows.clear();
    database.history = [];
    database.events = [];
    database.auditLog = [];
    database.transactions = 0;
    inMemory.reset();
  });

  interface CallOptions {
    readonly body?: unknown;
    readonly tenant?: string;
    readonly scopes?: string;
    readonly headers?: Record<string, string>;
  }

  function call(method: string, url: string, options: CallOptions = {}): Promise<InjectResponse> {
    return app.inject({
      method: method as 'GET',
      url,
      headers: {
        authorization: `Bearer ${options.tenant ?? TENANT}|alice|${options.scopes ?? ALL}`,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
    });
  }

  const draft = (overrides: Record<string, unknown> = {}) => ({
    name: 'memory-main',
    type: 'scm',
    provider: 'in-memory',
    endpoint: 'https://provider.example.test',
    settings: { health: 'healthy' },
    credentials: { token: `authref://env/${TOKEN_VARIABLE}` },
    tags: ['prod', ' team-a ', 'prod'],
    ...overrides,
  });

  async function register(overrides: Record<string, unknown> = {}, tenant = TENANT) {
    const response = await call('POST', '/api/v1/integrations', { body: draft(overrides), tenant });
    expect(response.statusCode).toBe(201);
    return response.json<{ id: string; version: number; status: string }>();
  }

  function fieldPaths(response: InjectResponse): string[] {
    return (
      response.json<{ errors?: { path: string }[] }>().errors?.map((error) => error.path) ?? []
    );
  }

  describe('POST /api/v1/integrations', () => {
    it('registers: 201 with Location, ETag, the integration, one event and an audit entry', async () => {
      const response = await call('POST', '/api/v1/integrations', { body: draft() });
      expect(response.statusCode).toBe(201);
      const body = response.json<Record<string, unknown>>();
      expect(response.headers['location']).toBe(`/api/v1/integrations/${String(body['id'])}`);
      expect(response.headers['etag']).toBe('"1"');
      expect(body).toMatchObject({
        name: 'memory-main',
        type: 'scm',
        provider: 'in-memory',
        status: 'pending',
        health: 'unknown',
        tags: ['prod', 'team-a'],
        credentials: { token: `authref://env/${TOKEN_VARIABLE}` },
        healthCheckIntervalSeconds: 300,
        createdBy: 'alice',
        version: 1,
      });
      expect(body).not.toHaveProperty('tenantId');
      expect(database.eventTypes()).toEqual(['integration.registered']);
      const [event] = database.events;
      expect(event?.payload).toEqual({
        integration: {
          id: body['id'],
          name: 'memory-main',
          type: 'scm',
          provider: 'in-memory',
          version: 1,
        },
      });
      expect(event?.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(event?.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(database.auditLog).toEqual([
        expect.objectContaining({
          tenantId: TENANT,
          actor: 'alice',
          action: 'integration.register',
        }),
      ]);
    });

    it('answers 400 problem+json with a path per invalid field', async () => {
      const response = await call('POST', '/api/v1/integrations', {
        body: { name: '', type: 'scm', endpoint: 'nope', extra: 1 },
      });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(fieldPaths(response).sort()).toEqual(['/endpoint', '/extra', '/name', '/provider']);
      expect(database.rows.size).toBe(0);
    });

    it('answers 400 problem+json for a body that is not JSON', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/integrations',
        headers: {
          authorization: `Bearer ${TENANT}|alice|${ALL}`,
          'content-type': 'application/json',
        },
        payload: '{"name": ',
      });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
    });

    it('answers 400 for a body that is not an object', async () => {
      const response = await call('POST', '/api/v1/integrations', { body: [draft()] });
      expect(response.statusCode).toBe(400);
    });

    it('refuses a plaintext secret without echoing it anywhere', async () => {
      const response = await call('POST', '/api/v1/integrations', {
        body: draft({ credentials: { token: 'glpat-PLAINTEXT-SECRET-123' } }),
      });
      expect(response.statusCode).toBe(400);
      expect(fieldPaths(response)).toEqual(['/credentials/token']);
      expect(response.body).not.toContain('PLAINTEXT-SECRET');
    });

    it('names the loaded providers for an unknown provider', async () => {
      const response = await call('POST', '/api/v1/integrations', {
        body: draft({ provider: 'bitbucket' }),
      });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ detail: string }>().detail).toContain(
        'loaded providers: github-app, hanging, in-memory',
      );
    });

    it("validates settings against the provider's schema and the credential slots", async () => {
      const response = await call('POST', '/api/v1/integrations', {
        body: draft({ provider: 'github-app', settings: { appId: 'x' }, credentials: {} }),
      });
      expect(response.statusCode).toBe(400);
      expect(fieldPaths(response)).toEqual(['/settings/appId', '/credentials/privateKey']);
    });

    it('answers 409 for a name taken in the tenant, but not for one taken in another tenant', async () => {
      await register();
      const again = await call('POST', '/api/v1/integrations', { body: draft() });
      expect(again.statusCode).toBe(409);
      await register({}, OTHER_TENANT);
    });

    it('needs integrations:write', async () => {
      const response = await call('POST', '/api/v1/integrations', {
        body: draft(),
        scopes: 'integrations:read integrations:operate',
      });
      expect(response.statusCode).toBe(403);
    });
  });

  describe('GET /api/v1/integrations/{id}', () => {
    it('answers the integration with its ETag', async () => {
      const { id } = await register();
      const response = await call('GET', `/api/v1/integrations/${id}`, {
        scopes: 'integrations:read',
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['etag']).toBe('"1"');
      expect(response.json()).toMatchObject({ id, name: 'memory-main' });
    });

    it("answers another tenant's id, a missing id and a malformed id all alike", async () => {
      const { id } = await register({}, OTHER_TENANT);
      const responses = await Promise.all(
        [id, randomUUID(), 'not-a-uuid'].map((each) => call('GET', `/api/v1/integrations/${each}`)),
      );
      const bodies = responses.map((response) => {
        expect(response.statusCode).toBe(404);
        const { instance: _instance, ...body } = response.json<Record<string, unknown>>();
        return body;
      });
      expect(bodies[1]).toEqual(bodies[0]);
      expect(bodies[2]).toEqual(bodies[0]);
    });

    it('needs integrations:read', async () => {
      const { id } = await register();
      const response = await call('GET', `/api/v1/integrations/${id}`, {
        scopes: 'integrations:write',
      });
      expect(response.statusCode).toBe(403);
    });
  });

  describe('PATCH /api/v1/integrations/{id}', () => {
    it('applies the change, bumps the ETag and records the changed fields', async () => {
      const { id } = await register();
      const response = await call('PATCH', `/api/v1/integrations/${id}`, {
        body: { name: 'renamed', tags: ['team-a', 'prod'], status: 'disabled' },
        headers: { 'if-match': '"1"' },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['etag']).toBe('"2"');
      expect(response.json()).toMatchObject({ name: 'renamed', status: 'disabled', version: 2 });
      expect(database.eventTypes()).toEqual(['integration.registered', 'integration.updated']);
      expect(database.events[1]?.payload).toMatchObject({ changedFields: ['name', 'status'] });
    });

    it('answers 412 for a stale or malformed If-Match, and accepts *', async () => {
      const { id } = await register();
      const stale = await call('PATCH', `/api/v1/integrations/${id}`, {
        body: { name: 'x' },
        headers: { 'if-match': '"7"' },
      });
      expect(stale.statusCode).toBe(412);
      const malformed = await call('PATCH', `/api/v1/integrations/${id}`, {
        body: { name: 'x' },
        headers: { 'if-match': '1' },
      });
      expect(malformed.statusCode).toBe(412);
      const any = await call('PATCH', `/api/v1/integrations/${id}`, {
        body: { name: 'x' },
        headers: { 'if-match': '*' },
      });
      expect(any.statusCode).toBe(200);
      const none = await call('PATCH', `/api/v1/integrations/${id}`, { body: { name: 'y' } });
      expect(none.statusCode).toBe(200);
      expect(none.headers['etag']).toBe('"3"');
    });

    it('writes nothing for a patch that changes nothing', async () => {
      const { id } = await register();
      const response = await call('PATCH', `/api/v1/integrations/${id}`, {
        body: { name: 'memory-main', tags: ['team-a', 'prod'] },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['etag']).toBe('"1"');
      expect(database.eventTypes()).toEqual(['integration.registered']);
    });

    it('refuses type, provider and statuses only tests set', async () => {
      const { id } = await register();
      const response = await call('PATCH', `/api/v1/integrations/${id}`, {
        body: { type: 'registry', provider: 'hanging', status: 'failed' },
      });
      expect(response.statusCode).toBe(400);
      expect(fieldPaths(response).sort()).toEqual(['/provider', '/status', '/type']);
    });

    it('validates new settings against the provider', async () => {
      const { id } = await register();
      const response = await call('PATCH', `/api/v1/integrations/${id}`, {
        body: { settings: { latencyMs: -1 } },
      });
      expect(response.statusCode).toBe(400);
      expect(fieldPaths(response)).toEqual(['/settings/latencyMs']);
    });

    it('answers 409 when renaming onto a taken name, and rolls everything back', async () => {
      await register({ name: 'taken' });
      const { id } = await register();
      const response = await call('PATCH', `/api/v1/integrations/${id}`, {
        body: { name: 'taken' },
      });
      expect(response.statusCode).toBe(409);
      expect(database.eventTypes()).toEqual(['integration.registered', 'integration.registered']);
    });
  });

  describe('DELETE /api/v1/integrations/{id}', () => {
    it('soft-deletes: 204, then 404 for GET, PATCH and DELETE', async () => {
      const { id } = await register();
      const deleted = await call('DELETE', `/api/v1/integrations/${id}`, {
        headers: { 'if-match': '"1"' },
      });
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');
      expect(database.eventTypes()).toEqual(['integration.registered', 'integration.deleted']);
      expect((await call('GET', `/api/v1/integrations/${id}`)).statusCode).toBe(404);
      expect(
        (await call('PATCH', `/api/v1/integrations/${id}`, { body: { name: 'x' } })).statusCode,
      ).toBe(404);
      expect((await call('DELETE', `/api/v1/integrations/${id}`)).statusCode).toBe(404);
      await register();
    });

    it('answers 412 for a stale If-Match and keeps the integration', async () => {
      const { id } = await register();
      const response = await call('DELETE', `/api/v1/integrations/${id}`, {
        headers: { 'if-match': '"2", "3"' },
      });
      expect(response.statusCode).toBe(412);
      expect((await call('GET', `/api/v1/integrations/${id}`)).statusCode).toBe(200);
    });

    it("cannot delete another tenant's integration", async () => {
      const { id } = await register({}, OTHER_TENANT);
      expect((await call('DELETE', `/api/v1/integrations/${id}`)).statusCode).toBe(404);
      expect(
        (await call('GET', `/api/v1/integrations/${id}`, { tenant: OTHER_TENANT })).statusCode,
      ).toBe(200);
    });
  });

  describe('GET /api/v1/integrations', () => {
    it('pages by name then id with opaque cursors, null on the last page', async () => {
      for (const name of ['delta', 'alpha', 'charlie', 'bravo', 'echo']) await register({ name });
      await register({ name: 'aaa-other-tenant' }, OTHER_TENANT);
      const names: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor === null ? '' : `&cursor=${cursor}`;
        const response = await call('GET', `/api/v1/integrations?limit=2${query}`);
        expect(response.statusCode).toBe(200);
        const page = response.json<{ items: { name: string }[]; nextCursor: string | null }>();
        names.push(...page.items.map((item) => item.name));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 10);
      expect(names).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
      expect(pages).toBe(3);
    });

    it('filters and defaults to 50 items', async () => {
      await register({ name: 'a', tags: ['x'] });
      await register({ name: 'b', tags: ['y'] });
      const response = await call('GET', '/api/v1/integrations?tag=y&provider=in-memory');
      expect(response.json<{ items: { name: string }[] }>().items.map((item) => item.name)).toEqual(
        ['b'],
      );
      expect(response.json<{ nextCursor: unknown }>().nextCursor).toBeNull();
    });

    it('answers 400 for an invalid cursor, limit or unknown parameter', async () => {
      const bad = await call('GET', '/api/v1/integrations?cursor=bm90LWEtY3Vyc29y&limit=0&sort=x');
      expect(bad.statusCode).toBe(400);
      expect(fieldPaths(bad).sort()).toEqual(['/limit', '/sort']);
      const cursor = await call('GET', '/api/v1/integrations?cursor=bm90LWEtY3Vyc29y');
      expect(cursor.statusCode).toBe(400);
      expect(fieldPaths(cursor)).toEqual(['/cursor']);
    });

    it('serializes items with the contract schema only', async () => {
      await register();
      const response = await call('GET', '/api/v1/integrations');
      const [item] = response.json<{ items: Record<string, unknown>[] }>().items;
      expect(Object.keys(item ?? {}).sort()).toEqual(
        [
          'id',
          'name',
          'type',
          'provider',
          'endpoint',
          'settings',
          'secretSettings',
          'settingsReadable',
          'credentials',
          'credentialsReadable',
          'status',
          'health',
          'lastCheckedAt',
          'lastHealthMessage',
          'consecutiveFailures',
          'healthCheckIntervalSeconds',
          'tags',
          'createdAt',
          'updatedAt',
          'createdBy',
          'updatedBy',
          'version',
        ].sort(),
      );
    });
  });

  describe('POST /api/v1/integrations/{id}/test', () => {
    it('tests, records the health, activates a pending integration and writes the events', async () => {
      const { id } = await register();
      const response = await call('POST', `/api/v1/integrations/${id}/test`);
      expect(response.statusCode).toBe(200);
      const result = response.json<Record<string, unknown>>();
      expect(Object.keys(result).sort()).toEqual([
        'checkedAt',
        'details',
        'durationMs',
        'isTransient',
        'message',
        'phase',
        'status',
        'success',
      ]);
      expect(result).toMatchObject({ success: true, status: 'healthy', phase: null });
      expect(response.body).not.toContain(SECRET_VALUE);
      const saved = await call('GET', `/api/v1/integrations/${id}`);
      expect(saved.json()).toMatchObject({ status: 'active', health: 'healthy', version: 1 });
      expect(database.eventTypes()).toEqual([
        'integration.registered',
        'integration.connection-tested',
        'integration.health-changed',
      ]);
      expect(database.events[2]?.payload).toMatchObject({
        previous: 'unknown',
        current: 'healthy',
      });
      expect(database.auditLog.map((entry) => entry.action)).toContain('integration.test');
      expect(database.auditLog.map((entry) => entry.action)).toContain('secret.resolved');

      await call('POST', `/api/v1/integrations/${id}/test`);
      expect(
        database.eventTypes().filter((type) => type === 'integration.health-changed'),
      ).toHaveLength(1);
    });

    it('marks a pending integration failed when the test fails, but leaves a disabled one', async () => {
      const failing = await register({ name: 'failing', settings: { health: 'unhealthy' } });
      const result = await call('POST', `/api/v1/integrations/${failing.id}/test`);
      expect(result.json()).toMatchObject({ success: false, status: 'unhealthy', phase: 'api' });
      expect((await call('GET', `/api/v1/integrations/${failing.id}`)).json()).toMatchObject({
        status: 'failed',
        consecutiveFailures: 1,
      });

      const disabled = await register({ name: 'disabled' });
      await call('PATCH', `/api/v1/integrations/${disabled.id}`, { body: { status: 'disabled' } });
      await call('POST', `/api/v1/integrations/${disabled.id}/test`);
      expect((await call('GET', `/api/v1/integrations/${disabled.id}`)).json()).toMatchObject({
        status: 'disabled',
        health: 'healthy',
      });
    });

    it('answers a failure result, not an error, for a plugin that hangs', async () => {
      const { id } = await register({
        type: 'registry',
        provider: 'hanging',
        settings: {},
        credentials: {},
      });
      const response = await call('POST', `/api/v1/integrations/${id}/test`);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ success: false, isTransient: true });
    });

    it('needs integrations:operate', async () => {
      const { id } = await register();
      const response = await call('POST', `/api/v1/integrations/${id}/test`, {
        scopes: 'integrations:read integrations:write',
      });
      expect(response.statusCode).toBe(403);
    });

    it("answers 404 for another tenant's integration", async () => {
      const { id } = await register({}, OTHER_TENANT);
      expect((await call('POST', `/api/v1/integrations/${id}/test`)).statusCode).toBe(404);
    });
  });

  describe('POST /api/v1/integrations/test (draft)', () => {
    it('tests without saving anything', async () => {
      const response = await call('POST', '/api/v1/integrations/test', {
        body: draft({ settings: { health: 'degraded' } }),
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ success: true, status: 'degraded' });
      expect(database.rows.size).toBe(0);
      expect(database.events).toEqual([]);
      expect(database.transactions).toBe(0);
    });

    it('validates the draft like a registration', async () => {
      const response = await call('POST', '/api/v1/integrations/test', {
        body: draft({ credentials: { token: 'plain' } }),
      });
      expect(response.statusCode).toBe(400);
    });

    it('needs integrations:operate', async () => {
      const response = await call('POST', '/api/v1/integrations/test', {
        body: draft(),
        scopes: 'integrations:read integrations:write',
      });
      expect(response.statusCode).toBe(403);
    });
  });

  describe('health', () => {
    it('checks now without a connection-tested event, and lists history newest first', async () => {
      const { id } = await register({ settings: { failTimes: 1 } });
      const first = await call('POST', `/api/v1/integrations/${id}/health/check`);
      expect(first.json()).toMatchObject({ success: false, phase: 'connect', isTransient: true });
      const second = await call('POST', `/api/v1/integrations/${id}/health/check`);
      expect(second.json()).toMatchObject({ success: true, status: 'healthy' });
      expect(database.eventTypes()).toEqual([
        'integration.registered',
        'integration.health-changed',
        'integration.health-changed',
      ]);
      expect((await call('GET', `/api/v1/integrations/${id}`)).json()).toMatchObject({
        status: 'pending',
      });

      const health = await call('GET', `/api/v1/integrations/${id}/health?limit=1`, {
        scopes: 'integrations:read',
      });
      expect(health.statusCode).toBe(200);
      const body = health.json<{ current: unknown; history: { success: boolean }[] }>();
      expect(body.current).toMatchObject({ status: 'healthy', consecutiveFailures: 0 });
      expect(body.history).toHaveLength(1);
      expect(body.history[0]).toMatchObject({ success: true, status: 'healthy', phase: null });
    });

    it('answers a failure result for a plugin whose check throws', async () => {
      const { id } = await register({
        type: 'registry',
        provider: 'hanging',
        settings: {},
        credentials: {},
      });
      const response = await call('POST', `/api/v1/integrations/${id}/health/check`);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ success: false });
    });

    it('bounds the history limit', async () => {
      const { id } = await register();
      const response = await call('GET', `/api/v1/integrations/${id}/health?limit=101`);
      expect(response.statusCode).toBe(400);
      expect(fieldPaths(response)).toEqual(['/limit']);
    });
  });

  describe('the OpenAPI document', () => {
    it('describes the bodies, queries and responses of the catalog routes', () => {
      const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
      const collection = document.paths['/api/v1/integrations'];
      expect(JSON.stringify(collection?.post?.requestBody)).toContain('RegisterIntegrationDto');
      expect(
        collection?.get?.parameters?.map((parameter) =>
          'name' in parameter ? parameter.name : '',
        ),
      ).toEqual(['type', 'provider', 'status', 'health', 'tag', 'q', 'limit', 'cursor']);
      const one = document.paths['/api/v1/integrations/{id}'];
      expect(JSON.stringify(one?.patch?.requestBody)).toContain('UpdateIntegrationDto');
      expect(JSON.stringify(one?.get?.responses['200'])).toContain('IntegrationDto');
      const health = document.paths['/api/v1/integrations/{id}/health'];
      expect(JSON.stringify(health?.get?.parameters)).toContain('"limit"');
      expect(document.components?.schemas).toHaveProperty('ProblemDetailsDto');
      expect(document.components?.schemas).toHaveProperty('CheckResultDto');
    });
  });

  describe('GET /api/v1/providers', () => {
    it('lists the loaded providers by type, then provider', async () => {
      const response = await call('GET', '/api/v1/providers', { scopes: 'integrations:read' });
      expect(response.statusCode).toBe(200);
      const items = response.json<{ items: { type: string; provider: string }[] }>().items;
      expect(items.map((item) => `${item.type}/${item.provider}`)).toEqual([
        'registry/hanging',
        'scm/github-app',
        'scm/in-memory',
      ]);
      expect(items[1]).toMatchObject({
        displayName: 'GitHub App',
        credentialSlots: [{ name: 'privateKey', description: 'the App key', required: true }],
      });
    });
  });
});
