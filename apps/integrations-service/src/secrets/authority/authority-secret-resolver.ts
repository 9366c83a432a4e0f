import { readFile } from 'node:fs/promises';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { AuthRef } from '@stellaops/integrations-core';
import type { RemoteAnswer } from '../remote-store-client';
import { RemoteStoreClient } from '../remote-store-client';
import type { SecretAccessContext } from '../secret-access-context';
import { SecretResolutionError } from '../secret-resolution.error';
import type { SecretResolver } from '../secret-resolver';
import type { AuthorityConfig } from '../stores.config';

/** The one endpoint of the contract (docs/authority-secrets.openapi.yaml), under AUTHORITY_URL. */
export const AUTHORITY_RESOLVE_PATH = '/v1/secrets/resolve';

/** The request body: who asks, for whom and why. */
export interface AuthorityResolveRequest {
  readonly tenant: string;
  /** The whole AuthRef URI, `authref://authority/<path>[#key]`. */
  readonly reference: string;
  readonly integrationId: string | null;
  readonly purpose: string;
  readonly actor: string;
}

const SEGMENT = /^[A-Za-z0-9_.~@+=-]+$/;
const MAX_DETAIL = 200;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The problem document's `detail` (or `title`), on one line and shortened. */
function problemText(answer: RemoteAnswer): string {
  const body = isObject(answer.body) ? answer.body : {};
  const raw = [body['detail'], body['title']].find(
    (text): text is string => typeof text === 'string' && text.trim() !== '',
  );
  if (raw === undefined) return `${answer.status}`;
  const text = raw.replace(/\s+/g, ' ').trim();
  return `${answer.status}: ${text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text}`;
}

/**
 * `authref://authority/<path>[#key]`: a secret the platform Authority resolves for the tenant.
 * Each resolution is one `POST {AUTHORITY_URL}/v1/secrets/resolve` with the tenant, the reference,
 * the integration, the purpose and the actor, authorised by the service's own credential
 * (AUTHORITY_TOKEN, or AUTHORITY_TOKEN_FILE read at each call so that it may rotate). The
 * Authority decides what the tenant may use: 403 and 404 are permanent failures; 429, 5xx, a slow
 * or unreachable Authority are transient ones, within AUTHORITY_TIMEOUT_MS.
 */
export class AuthoritySecretResolver implements SecretResolver, OnApplicationShutdown {
  readonly store = 'authority';

  constructor(
    private readonly config: AuthorityConfig,
    private readonly client: RemoteStoreClient,
  ) {}

  static fromConfig(config: AuthorityConfig): AuthoritySecretResolver {
    return new AuthoritySecretResolver(
      config,
      new RemoteStoreClient({
        name: 'the Authority',
        baseUrl: config.url,
        baseUrlVariable: 'AUTHORITY_URL',
        timeoutMs: config.timeoutMs,
        timeoutVariable: 'AUTHORITY_TIMEOUT_MS',
        caPem: config.caPem,
        caVariable: 'AUTHORITY_CA_FILE',
      }),
    );
  }

  refusal(ref: AuthRef, tenantId: string): string | undefined {
    if (tenantId.trim() === '') return 'the authority store resolves only for a named tenant';
    // AuthRef.parse refuses these already; a resolver must not rely on its caller for that.
    if (ref.path.split('/').some((s) => s === '.' || s === '..' || !SEGMENT.test(s))) {
      return 'its path must be plain segments (no empty, . or .. segments, no encoded characters)';
    }
    return undefined;
  }

  async resolve(ref: AuthRef, context: SecretAccessContext, signal?: AbortSignal): Promise<string> {
    const refused = this.refusal(ref, context.tenantId);
    if (refused !== undefined) throw new SecretResolutionError(refused);
    const deadline = this.client.deadline(signal);
    const credential = await this.client.within(this.credential(), deadline);
    const body: AuthorityResolveRequest = {
      tenant: context.tenantId,
      reference: ref.uri,
      integrationId: context.integrationId,
      purpose: context.purpose,
      actor: context.actor,
    };
    const answer = await this.client.request(
      {
        method: 'POST',
        path: AUTHORITY_RESOLVE_PATH,
        headers: {
          accept: 'application/json, application/problem+json',
          authorization: `Bearer ${credential}`,
        },
        json: body,
        // Resolving reads and changes nothing: safe to send again.
        idempotent: true,
      },
      deadline,
    );
    return this.valueOf(answer, ref);
  }

  onApplicationShutdown(): void {
    this.client.close();
  }

  private async credential(): Promise<string> {
    const { credential } = this.config;
    if (credential.kind === 'token') return credential.token;
    let text: string;
    try {
      text = await readFile(credential.path, 'utf8');
    } catch (error) {
      // Transient: a rotating file may be missing for a moment.
      throw new SecretResolutionError(
        `AUTHORITY_TOKEN_FILE cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        { isTransient: true },
      );
    }
    const token = text.trim();
    if (token === '') {
      throw new SecretResolutionError('AUTHORITY_TOKEN_FILE is empty', { isTransient: true });
    }
    return token;
  }

  private valueOf(answer: RemoteAnswer, ref: AuthRef): string {
    const { status } = answer;
    if (status === 200) {
      const value = isObject(answer.body) ? answer.body['value'] : undefined;
      if (typeof value !== 'string' || value === '') {
        throw new SecretResolutionError(
          `the Authority's answer for ${ref.uri} has no value (a non-empty string): is AUTHORITY_URL the Authority?`,
        );
      }
      return value;
    }
    const reason = problemText(answer);
    switch (status) {
      case 401:
        throw new SecretResolutionError(
          `the Authority refused the service's credential (${reason}): check AUTHORITY_TOKEN or AUTHORITY_TOKEN_FILE`,
        );
      case 403:
        throw new SecretResolutionError(
          `the Authority does not let this tenant use ${ref.uri} (${reason})`,
        );
      case 404:
        throw new SecretResolutionError(
          `the Authority has no ${ref.uri} for this tenant (${reason})`,
        );
      case 429:
        throw new SecretResolutionError(
          `the Authority is limiting the service's requests (${reason})`,
          {
            isTransient: true,
          },
        );
    }
    if (status >= 500) {
      throw new SecretResolutionError(`the Authority could not resolve ${ref.uri} (${reason})`, {
        isTransient: true,
      });
    }
    throw new SecretResolutionError(`the Authority refused to resolve ${ref.uri} (${reason})`);
  }
}
