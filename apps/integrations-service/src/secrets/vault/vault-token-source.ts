import type { Deadline } from '../remote-store-client';

/** Where the service's Vault token comes from. */
export interface VaultTokenSource {
  /** Whether the source obtains tokens itself, so that an invalid one can be replaced. */
  readonly replaceable: boolean;
  /** A token valid for at least the next request, obtained or renewed first when need be. */
  token(deadline: Deadline): Promise<string>;
  /** `token` turned out to be invalid (revoked, expired early): the next call gets another. */
  invalidate(token: string): void;
  /** Gives up the token at shutdown (revokes what the source obtained itself). */
  close(): Promise<void>;
}

/**
 * VAULT_TOKEN, used as given: the operator keeps it valid (a periodic token renewed by an agent,
 * or one without expiry).
 */
export class StaticVaultToken implements VaultTokenSource {
  readonly replaceable = false;

  constructor(private readonly value: string) {}

  async token(): Promise<string> {
    return this.value;
  }

  invalidate(): void {
    // Nothing to replace it with: the read reports the 403 and names VAULT_TOKEN.
  }

  async close(): Promise<void> {
    // The operator's token outlives the service.
  }
}
