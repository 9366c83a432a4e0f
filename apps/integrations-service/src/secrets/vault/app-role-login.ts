import type { LoggerService } from '@nestjs/common';
import type { Deadline, RemoteAnswer, RemoteStoreClient } from '../remote-store-client';
import { SecretResolutionError } from '../secret-resolution.error';
import { apiPath, isObject, vaultFailure } from './vault-answer';
import type { VaultTokenSource } from './vault-token-source';

export interface AppRoleCredentials {
  readonly roleId: string;
  readonly secretId: string;
  /** Where the AppRole auth method is mounted: `approle` (VAULT_APPROLE_PATH). */
  readonly mountPath: string;
}

interface Session {
  readonly token: string;
  /** When the request that granted or last extended the lease was sent. */
  readonly since: number;
  /** 0: the token does not expire. */
  readonly leaseMs: number;
  readonly renewable: boolean;
  /** The lease the login granted: renewals that give much less mean the token nears its max TTL. */
  readonly loginLeaseMs: number;
}

/** A token is renewed (or replaced) once this share of its lease has passed. */
const RENEW_AT = 2 / 3;

/**
 * The service's Vault token from an AppRole login (VAULT_ROLE_ID, VAULT_SECRET_ID), kept in memory
 * and reused until two thirds of its lease have passed; then renewed (`renew-self`) while Vault
 * extends it by at least a third of the first lease, otherwise replaced by a new login. Concurrent
 * callers share one login or renewal. The token is revoked at shutdown.
 */
export class AppRoleLogin implements VaultTokenSource {
  readonly replaceable = true;
  private session: Session | undefined;
  private pending: Promise<Session> | undefined;

  constructor(
    private readonly client: RemoteStoreClient,
    private readonly credentials: AppRoleCredentials,
    /** X-Vault-Namespace, when there is one. */
    private readonly headers: Readonly<Record<string, string>>,
    private readonly logger: LoggerService,
    /** Milliseconds on a monotonic clock. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  async token(deadline: Deadline): Promise<string> {
    const session = this.session;
    if (session !== undefined && !this.renewalDue(session)) return session.token;
    // The shared work has a deadline of its own: one caller giving up does not fail the others.
    this.pending ??= this.refresh(session).finally(() => {
      this.pending = undefined;
    });
    return (await this.client.within(this.pending, deadline)).token;
  }

  invalidate(token: string): void {
    if (this.session?.token === token) this.session = undefined;
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session === undefined) return;
    const answer = await this.client.request(
      {
        method: 'POST',
        path: apiPath('auth', 'token', 'revoke-self'),
        headers: { ...this.headers, 'x-vault-token': session.token },
      },
      this.client.deadline(),
    );
    if (answer.status !== 204 && answer.status !== 200) {
      throw vaultFailure(answer, "revoke the service's token");
    }
  }

  private renewalDue(session: Session): boolean {
    return session.leaseMs > 0 && this.now() >= session.since + session.leaseMs * RENEW_AT;
  }

  private expired(session: Session): boolean {
    return session.leaseMs > 0 && this.now() >= session.since + session.leaseMs;
  }

  private async refresh(current: Session | undefined): Promise<Session> {
    const deadline = this.client.deadline();
    if (current !== undefined && current.renewable && !this.expired(current)) {
      try {
        const renewed = await this.renew(current, deadline);
        if (renewed.leaseMs * 3 >= current.loginLeaseMs) {
          this.session = renewed;
          return renewed;
        }
      } catch (error) {
        this.logger.warn(
          `renewing the service's Vault token failed (${error instanceof Error ? error.message : String(error)}); logging in again`,
        );
      }
    }
    this.session = undefined;
    const session = await this.login(deadline);
    this.session = session;
    return session;
  }

  private async login(deadline: Deadline): Promise<Session> {
    const since = this.now();
    const answer = await this.client.request(
      {
        method: 'POST',
        path: apiPath('auth', ...this.credentials.mountPath.split('/'), 'login'),
        headers: this.headers,
        json: { role_id: this.credentials.roleId, secret_id: this.credentials.secretId },
      },
      deadline,
    );
    if (answer.status === 400 || answer.status === 401 || answer.status === 403) {
      // Vault's reason may quote the role ID: the message says what to check instead.
      throw new SecretResolutionError(
        `Vault refused the service's AppRole login (${answer.status}): check VAULT_ROLE_ID and VAULT_SECRET_ID (a secret ID expires and may be limited in uses) and VAULT_APPROLE_PATH`,
      );
    }
    if (answer.status !== 200) throw vaultFailure(answer, 'log the service in with its AppRole');
    const session = sessionOf(answer, since, undefined);
    if (session === undefined) {
      throw new SecretResolutionError(
        "Vault's answer to the AppRole login holds no token: is VAULT_ADDR a Vault server?",
      );
    }
    return session;
  }

  private async renew(current: Session, deadline: Deadline): Promise<Session> {
    const since = this.now();
    const answer = await this.client.request(
      {
        method: 'POST',
        path: apiPath('auth', 'token', 'renew-self'),
        headers: { ...this.headers, 'x-vault-token': current.token },
        json: {},
      },
      deadline,
    );
    if (answer.status !== 200) throw vaultFailure(answer, "renew the service's token");
    const renewed = sessionOf(answer, since, current);
    if (renewed === undefined) throw new SecretResolutionError("Vault's renewal holds no lease");
    return renewed;
  }
}

/** The `auth` block of a login or renewal answer. */
function sessionOf(
  answer: RemoteAnswer,
  since: number,
  renewing: Session | undefined,
): Session | undefined {
  const auth = isObject(answer.body) ? answer.body['auth'] : undefined;
  if (!isObject(auth)) return undefined;
  const token = auth['client_token'];
  const lease = auth['lease_duration'];
  if (typeof lease !== 'number' || !Number.isFinite(lease) || lease < 0) return undefined;
  const value = typeof token === 'string' && token !== '' ? token : renewing?.token;
  if (value === undefined) return undefined;
  const leaseMs = lease * 1_000;
  return {
    token: value,
    since,
    leaseMs,
    renewable: auth['renewable'] === true,
    loginLeaseMs: renewing?.loginLeaseMs ?? leaseMs,
  };
}
