import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SlowAnswers } from './slow-answers';

/**
 * The platform Authority's secret-resolution endpoint on a loopback port, for specs: the contract
 * of docs/authority-secrets.openapi.yaml (`POST /v1/secrets/resolve`, a bearer credential, answers
 * `{value}` or problem+json). A request without a tenant is answered 400 and kept in
 * `withoutTenant`, which every spec expects to stay empty.
 */
export interface FakeAuthorityRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

export class FakeAuthority {
  readonly requests: FakeAuthorityRequest[] = [];
  /** Requests that named no tenant. */
  readonly withoutTenant: FakeAuthorityRequest[] = [];
  /** Answers wait this long first (a slow Authority); 0: at once. */
  delayMs = 0;
  /** Every answer is this status (429, 503, ...) while set. */
  failWith: number | undefined;
  /** The service credential it accepts; change it to rotate. */
  token: string;
  private readonly granted = new Map<string, string>();
  private readonly denied = new Set<string>();
  private readonly slow = new SlowAnswers();

  private readonly server: Server;

  private constructor(token: string) {
    this.token = token;
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        response.statusCode = 500;
        response.end(String(error));
      });
    });
  }

  static async start(options: { token: string }): Promise<FakeAuthority> {
    const authority = new FakeAuthority(options.token);
    await new Promise<void>((resolve) => authority.server.listen(0, '127.0.0.1', resolve));
    return authority;
  }

  /** `http://127.0.0.1:<port>`, for AUTHORITY_URL. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** `tenant` may use `reference`, whose value is `value`. */
  grant(tenant: string, reference: string, value: string): void {
    this.denied.delete(`${tenant}\u0000${reference}`);
    this.granted.set(`${tenant}\u0000${reference}`, value);
  }

  /** `tenant` may not use `reference` (403). */
  deny(tenant: string, reference: string): void {
    this.granted.delete(`${tenant}\u0000${reference}`);
    this.denied.add(`${tenant}\u0000${reference}`);
  }

  async close(): Promise<void> {
    this.slow.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    const seen: FakeAuthorityRequest = {
      method: request.method ?? 'GET',
      path: new URL(request.url ?? '/', 'http://fake').pathname,
      authorization: request.headers.authorization,
      body,
    };
    this.requests.push(seen);
    const [status, answer, headers] = this.answer(seen);
    await this.slow.wait(response, this.delayMs);
    if (response.destroyed) return;
    response.statusCode = status;
    response.setHeader('cache-control', 'no-store');
    for (const [name, value] of Object.entries(headers ?? {})) response.setHeader(name, value);
    response.setHeader(
      'content-type',
      status === 200 ? 'application/json' : 'application/problem+json',
    );
    response.end(JSON.stringify(answer));
  }

  private answer(seen: FakeAuthorityRequest): [number, unknown, Record<string, string>?] {
    const problem = (status: number, title: string, detail: string) => ({
      type: 'about:blank',
      title,
      status,
      detail,
    });
    if (seen.method !== 'POST' || seen.path !== '/v1/secrets/resolve') {
      return [404, problem(404, 'Not Found', `no route ${seen.method} ${seen.path}`)];
    }
    if (seen.authorization !== `Bearer ${this.token}`) {
      return [401, problem(401, 'Unauthorized', 'the service credential is not valid')];
    }
    const body = (typeof seen.body === 'object' && seen.body !== null ? seen.body : {}) as Record<
      string,
      unknown
    >;
    const { tenant, reference } = body;
    if (typeof tenant !== 'string' || tenant === '') {
      this.withoutTenant.push(seen);
      return [400, problem(400, 'Bad Request', 'tenant is required')];
    }
    if (typeof reference !== 'string' || !reference.startsWith('authref://authority/')) {
      return [400, problem(400, 'Bad Request', 'reference must be an authref://authority/ URI')];
    }
    if (this.failWith !== undefined) {
      return [
        this.failWith,
        problem(this.failWith, 'Unavailable', 'the Authority cannot answer now'),
        this.failWith === 429 ? { 'retry-after': '1' } : {},
      ];
    }
    const key = `${tenant}\u0000${reference}`;
    if (this.denied.has(key)) {
      return [403, problem(403, 'Forbidden', `tenant ${tenant} has no grant for this reference`)];
    }
    const value = this.granted.get(key);
    if (value === undefined) {
      return [404, problem(404, 'Not Found', `no such secret for tenant ${tenant}`)];
    }
    return [200, { value }];
  }
}
