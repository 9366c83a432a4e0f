import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SlowAnswers } from './slow-answers';

/**
 * A HashiCorp Vault on a loopback port, for specs: KV version 2 mounts with versions, soft
 * deletes and destroys, token ACLs by path (`*` at the end, `+` for one segment, read only),
 * AppRole logins, `renew-self`, `lookup-self`, `revoke-self`, namespaces (X-Vault-Namespace),
 * sealing, and answers slowed down on demand. Status codes and JSON shapes are Vault's own; what a
 * real Vault does beyond that (other engines, capabilities other than read) is left out.
 */
export interface FakeVaultOptions {
  /** Serve https with this key and certificate. */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** Milliseconds of wall-clock time, for token leases. */
  readonly now?: () => number;
}

export interface FakeVaultRequest {
  readonly method: string;
  /** The path as sent, percent-encoding included, without the query. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly token: string | undefined;
  readonly namespace: string | undefined;
  readonly body: unknown;
}

export interface FakeTokenOptions {
  /** Paths the token may read: `secret/data/tenants/acme/*`, `secret/data/tenants/+/*`. */
  readonly policies: readonly string[];
  /** Seconds; 0: the token does not expire. */
  readonly ttlSeconds?: number;
  /** Seconds after issue beyond which no renewal extends the token; 0: no limit. */
  readonly maxTtlSeconds?: number;
  readonly renewable?: boolean;
  readonly namespace?: string;
}

export interface FakeAppRoleOptions extends FakeTokenOptions {
  readonly roleId: string;
  readonly secretId: string;
  /** Where the AppRole auth method is mounted. Default `approle`. */
  readonly mountPath?: string;
}

interface Version {
  readonly data: Record<string, unknown>;
  readonly createdTime: string;
  deletionTime: string;
  destroyed: boolean;
}

interface Token {
  readonly id: string;
  readonly accessor: string;
  readonly policies: readonly string[];
  readonly namespace: string;
  readonly renewable: boolean;
  readonly ttlSeconds: number;
  readonly maxTtlSeconds: number;
  readonly issuedAt: number;
  /** 0: never. */
  expiresAt: number;
  revoked: boolean;
}

const PERMISSION_DENIED = ['1 error occurred:\n\t* permission denied\n\n'];
const INVALID_TOKEN = ['2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n'];

function patternOf(policy: string): RegExp {
  const glob = policy.endsWith('*');
  const body = (glob ? policy.slice(0, -1) : policy)
    .split('/')
    .map((segment) => (segment === '+' ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}${glob ? '.*' : ''}$`);
}

function nowIso(): string {
  return new Date().toISOString().replace(/Z$/, '000000Z');
}

export class FakeVault {
  /** Every request, in order of arrival. */
  readonly requests: FakeVaultRequest[] = [];
  /** Answers wait this long first (a slow Vault); 0: at once. */
  delayMs = 0;
  private sealed = false;
  private readonly mounts = new Set<string>();
  private readonly secrets = new Map<string, Version[]>();
  private readonly tokens = new Map<string, Token>();
  private readonly appRoles: FakeAppRoleOptions[] = [];
  private readonly slow = new SlowAnswers();
  private readonly loggedIn: string[] = [];

  private readonly server: Server;
  private readonly now: () => number;
  private readonly scheme: 'http' | 'https';

  private constructor(options: FakeVaultOptions) {
    const handler = (request: IncomingMessage, response: ServerResponse) => {
      this.handle(request, response).catch((error: unknown) => {
        response.statusCode = 500;
        response.end(JSON.stringify({ errors: [String(error)] }));
      });
    };
    this.server =
      options.tls === undefined ? createServer(handler) : createHttpsServer(options.tls, handler);
    this.scheme = options.tls === undefined ? 'http' : 'https';
    this.now = options.now ?? Date.now;
    this.mount('secret');
  }

  static async start(options: FakeVaultOptions = {}): Promise<FakeVault> {
    const vault = new FakeVault(options);
    await new Promise<void>((resolve) => vault.server.listen(0, '127.0.0.1', resolve));
    return vault;
  }

  /** `http://127.0.0.1:<port>`, for VAULT_ADDR. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `${this.scheme}://127.0.0.1:${port}`;
  }

  /** Enables a KV version 2 engine at `path` (in `namespace`). */
  mount(path: string, namespace = ''): void {
    this.mounts.add(`${namespace}|${path}`);
  }

  /** Writes a new version of `mount/path...` (`secret/tenants/acme/github/app`); returns it. */
  put(secretPath: string, data: Record<string, unknown>, namespace = ''): number {
    const key = `${namespace}|${secretPath}`;
    const versions = this.secrets.get(key) ?? [];
    versions.push({ data, createdTime: nowIso(), deletionTime: '', destroyed: false });
    this.secrets.set(key, versions);
    return versions.length;
  }

  /** Soft-deletes a version (`vault kv delete -versions=N`). */
  deleteVersion(secretPath: string, version: number, namespace = ''): void {
    this.version(secretPath, version, namespace).deletionTime = nowIso();
  }

  /** Destroys a version's data for good (`vault kv destroy -versions=N`). */
  destroyVersion(secretPath: string, version: number, namespace = ''): void {
    this.version(secretPath, version, namespace).destroyed = true;
  }

  /** A token the operator made, e.g. for VAULT_TOKEN. */
  addToken(id: string, options: FakeTokenOptions): void {
    this.issue(options, id);
  }

  addAppRole(options: FakeAppRoleOptions): void {
    this.appRoles.push(options);
  }

  revoke(tokenId: string): void {
    const token = this.tokens.get(tokenId);
    if (token !== undefined) token.revoked = true;
  }

  /** The tokens AppRole logins issued, oldest first. */
  loginTokens(): readonly string[] {
    return this.loggedIn;
  }

  /** Whether `tokenId` would be accepted now. */
  isValid(tokenId: string): boolean {
    const token = this.tokens.get(tokenId);
    return token !== undefined && this.live(token);
  }

  seal(): void {
    this.sealed = true;
  }

  unseal(): void {
    this.sealed = false;
  }

  /** Requests whose path contains `fragment` (`/data/`, `/login`, `renew-self`). */
  requestsTo(fragment: string): FakeVaultRequest[] {
    return this.requests.filter((request) => request.path.includes(fragment));
  }

  async close(): Promise<void> {
    this.slow.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private version(secretPath: string, version: number, namespace: string): Version {
    const found = this.secrets.get(`${namespace}|${secretPath}`)?.[version - 1];
    if (found === undefined) throw new Error(`fake vault: no version ${version} of ${secretPath}`);
    return found;
  }

  private issue(options: FakeTokenOptions, id = `hvs.${randomBytes(12).toString('base64url')}`) {
    const issuedAt = this.now();
    const ttlSeconds = options.ttlSeconds ?? 0;
    const token: Token = {
      id,
      accessor: randomBytes(12).toString('base64url'),
      policies: options.policies,
      namespace: options.namespace ?? '',
      renewable: options.renewable ?? true,
      ttlSeconds,
      maxTtlSeconds: options.maxTtlSeconds ?? 0,
      issuedAt,
      expiresAt: ttlSeconds === 0 ? 0 : issuedAt + ttlSeconds * 1_000,
      revoked: false,
    };
    this.tokens.set(id, token);
    return token;
  }

  private live(token: Token): boolean {
    return !token.revoked && (token.expiresAt === 0 || this.now() < token.expiresAt);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://fake');
    const namespaceHeader = request.headers['x-vault-namespace'];
    const namespace =
      typeof namespaceHeader === 'string' ? namespaceHeader.replace(/^\/+|\/+$/g, '') : undefined;
    const tokenHeader = request.headers['x-vault-token'];
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    this.requests.push({
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      token: typeof tokenHeader === 'string' ? tokenHeader : undefined,
      namespace,
      body,
    });
    const [status, answer] = this.answer(
      request.method ?? 'GET',
      url,
      namespace ?? '',
      tokenHeader,
      body,
    );
    await this.slow.wait(response, this.delayMs);
    if (response.destroyed) return;
    response.statusCode = status;
    response.setHeader('cache-control', 'no-store');
    if (answer === undefined) {
      response.end();
      return;
    }
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(answer));
  }

  private answer(
    method: string,
    url: URL,
    namespace: string,
    tokenHeader: string | string[] | undefined,
    body: unknown,
  ): [number, unknown] {
    if (this.sealed) return [503, { errors: ['Vault is sealed'] }];
    const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    if (segments[0] !== 'v1') return [404, { errors: [] }];
    const route = segments.slice(1);
    const path = route.join('/');
    if (method === 'POST' && route[0] === 'auth' && route[route.length - 1] === 'login') {
      return this.login(path, namespace, body);
    }
    if (typeof tokenHeader !== 'string') return [403, { errors: PERMISSION_DENIED }];
    const token = this.tokens.get(tokenHeader);
    if (token === undefined || !this.live(token) || token.namespace !== namespace) {
      return [403, { errors: INVALID_TOKEN }];
    }
    if (path === 'auth/token/lookup-self' && method === 'GET') {
      return [200, this.envelope({ data: this.lookup(token) })];
    }
    if (path === 'auth/token/renew-self' && method === 'POST') return this.renew(token);
    if (path === 'auth/token/revoke-self' && method === 'POST') {
      token.revoked = true;
      return [204, undefined];
    }
    if (method === 'GET') return this.read(route, url, namespace, token);
    return [405, { errors: ['1 error occurred:\n\t* unsupported operation\n\n'] }];
  }

  private login(path: string, namespace: string, body: unknown): [number, unknown] {
    const { role_id: roleId, secret_id: secretId } = (body ?? {}) as Record<string, unknown>;
    const role = this.appRoles.find(
      (candidate) =>
        path === `auth/${candidate.mountPath ?? 'approle'}/login` &&
        (candidate.namespace ?? '') === namespace &&
        candidate.roleId === roleId &&
        candidate.secretId === secretId,
    );
    if (role === undefined) return [400, { errors: ['invalid role or secret ID'] }];
    const token = this.issue(role);
    this.loggedIn.push(token.id);
    return [200, this.envelope({ auth: this.authBlock(token) })];
  }

  private renew(token: Token): [number, unknown] {
    if (!token.renewable || token.ttlSeconds === 0) {
      return [400, { errors: ['lease is not renewable'] }];
    }
    const now = this.now();
    let expiresAt = now + token.ttlSeconds * 1_000;
    if (token.maxTtlSeconds > 0) {
      expiresAt = Math.min(expiresAt, token.issuedAt + token.maxTtlSeconds * 1_000);
    }
    token.expiresAt = expiresAt;
    return [200, this.envelope({ auth: this.authBlock(token) })];
  }

  private read(route: string[], url: URL, namespace: string, token: Token): [number, unknown] {
    const dataAt = route.indexOf('data');
    const apiPath = route.join('/');
    const mount = dataAt > 0 ? route.slice(0, dataAt).join('/') : undefined;
    const allowed = token.policies.some((policy) => patternOf(policy).test(apiPath));
    if (!allowed) return [403, { errors: PERMISSION_DENIED }];
    if (mount === undefined || !this.mounts.has(`${namespace}|${mount}`)) {
      return [404, { errors: [`no handler for route "${apiPath}". route entry not found.`] }];
    }
    const secretPath = [mount, ...route.slice(dataAt + 1)].join('/');
    const versions = this.secrets.get(`${namespace}|${secretPath}`);
    if (versions === undefined || versions.length === 0) return [404, { errors: [] }];
    const asked = Number(url.searchParams.get('version') ?? '0');
    const number = asked === 0 ? versions.length : asked;
    const version = versions[number - 1];
    if (version === undefined) return [404, { errors: [] }];
    const metadata = {
      created_time: version.createdTime,
      custom_metadata: null,
      deletion_time: version.deletionTime,
      destroyed: version.destroyed,
      version: number,
    };
    if (version.destroyed || version.deletionTime !== '') {
      return [404, this.envelope({ data: { data: null, metadata } })];
    }
    return [200, this.envelope({ data: { data: version.data, metadata } })];
  }

  private lookup(token: Token): Record<string, unknown> {
    return {
      accessor: token.accessor,
      id: token.id,
      policies: ['default', 'tenant-secrets'],
      renewable: token.renewable,
      ttl:
        token.expiresAt === 0 ? 0 : Math.max(0, Math.round((token.expiresAt - this.now()) / 1_000)),
    };
  }

  private authBlock(token: Token): Record<string, unknown> {
    const leaseSeconds =
      token.expiresAt === 0 ? 0 : Math.max(0, Math.round((token.expiresAt - this.now()) / 1_000));
    return {
      client_token: token.id,
      accessor: token.accessor,
      policies: ['default', 'tenant-secrets'],
      token_policies: ['default', 'tenant-secrets'],
      metadata: null,
      lease_duration: leaseSeconds,
      renewable: token.renewable && token.ttlSeconds > 0,
      entity_id: '',
      token_type: 'service',
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    };
  }

  private envelope(fields: { data?: unknown; auth?: unknown }): Record<string, unknown> {
    return {
      request_id: randomUUID(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: fields.data ?? null,
      wrap_info: null,
      warnings: null,
      auth: fields.auth ?? null,
    };
  }
}
