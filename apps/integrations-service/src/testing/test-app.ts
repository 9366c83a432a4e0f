import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Database } from '@stellaops/integrations-persistence';
import { SignJWT } from 'jose';
import { createApp } from '../app-factory';
import { loadServiceConfig } from '../config/service-config';
import type { TestBackend } from './test-backend';
import { createTestBackend } from './test-backend';

export const TEST_JWT_SECRET = 'end-to-end-tests-secret-of-at-least-32-bytes';
export const TEST_CREDENTIALS_KEY = Buffer.alloc(32, 7).toString('base64');
export const ALL_SCOPES = 'integrations:read integrations:write integrations:operate';

export interface TokenOptions {
  readonly tenant?: string;
  readonly sub?: string;
  readonly scope?: string;
  readonly expiresIn?: string | number;
  readonly secret?: string;
}

export interface HttpResult<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Sent as is, instead of JSON-encoding `body`. */
  readonly rawBody?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** A token, or `null` to send none. Default: a token for tenant `acme` with every scope. */
  readonly token?: string | null;
}

/** The real service listening on a loopback port, backed by a fresh database. */
export interface TestApp {
  readonly url: string;
  readonly app: NestFastifyApplication;
  readonly backend: TestBackend;
  readonly database: Database;
  token(options?: TokenOptions): Promise<string>;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<HttpResult<T>>;
  /** Stops the service and starts it again on the same database. */
  restart(): Promise<TestApp>;
  close(): Promise<void>;
}

export function signToken(options: TokenOptions = {}): Promise<string> {
  return new SignJWT({ tenant: options.tenant ?? 'acme', scope: options.scope ?? ALL_SCOPES })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(options.sub ?? 'e2e-user')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

async function listen(
  backend: TestBackend,
  env: Readonly<Record<string, string>>,
): Promise<TestApp> {
  const config = loadServiceConfig({
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    CREDENTIALS_ENCRYPTION_KEY: TEST_CREDENTIALS_KEY,
    LOG_LEVEL: 'silent',
    PORT: '0',
    // The variables the end-to-end specs register (E2E_TOKEN, X): none is allowed by default.
    SECRETS_ENV_ALLOW: 'E2E_*,X',
    // Specs that count checks, history or events would race the poller's own checks of what they
    // register: the poller runs only where a spec turns it on (the poller's specs do).
    HEALTH_POLLER_ENABLED: 'false',
    ...backend.env,
    ...env,
  });
  const app = await createApp(config);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const defaultToken = await signToken();
  const self: TestApp = {
    url,
    app,
    backend,
    database: app.get(Database),
    token: signToken,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const token = options.token === undefined ? defaultToken : options.token;
      if (token !== null && headers['authorization'] === undefined) {
        headers['authorization'] = `Bearer ${token}`;
      }
      let body: string | Buffer | undefined = options.rawBody;
      if (body === undefined && options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${url}${path}`, { method, headers, body });
      const text = await response.text();
      const type = response.headers.get('content-type') ?? '';
      const parsed = /json/.test(type) && text !== '' ? JSON.parse(text) : text;
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
    async restart() {
      await app.close();
      return listen(backend, env);
    },
    async close() {
      await app.close();
    },
  };
  return self;
}

export async function startTestApp(
  options: { env?: Record<string, string>; prefer?: 'embedded'; backend?: TestBackend } = {},
): Promise<TestApp> {
  const backend = options.backend ?? (await createTestBackend(options.prefer));
  try {
    return await listen(backend, options.env ?? {});
  } catch (error) {
    if (options.backend === undefined) await backend.dispose();
    throw error;
  }
}
