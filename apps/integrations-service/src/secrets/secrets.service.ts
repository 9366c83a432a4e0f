import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuthRef } from '@stellaops/integrations-core';
import { Database } from '@stellaops/integrations-persistence';
import { SecretUnavailableError } from '@stellaops/integrations-plugin-abstractions';
import type { ResolvingSecretAccessor } from './resolving-secret-accessor';
import type { SecretAccessContext } from './secret-access-context';
import { SecretResolutionError } from './secret-resolution.error';
import type { SecretResolver } from './secret-resolver';
import { InjectSecretResolvers } from './secret-resolver';

export const SECRET_RESOLVED_ACTION = 'secret.resolved';

/**
 * Resolves a registration's credential references through the registered stores. A value is
 * resolved on every `get` (never cached, so a rotated secret is used at once) and every resolution
 * is audited with its slot and store, never its value or location.
 */
@Injectable()
export class SecretsService {
  private readonly logger = new Logger('Secrets');
  private readonly resolvers: ReadonlyMap<string, SecretResolver>;

  constructor(
    @InjectSecretResolvers() resolvers: readonly SecretResolver[],
    @Inject(Database) private readonly database: Database,
  ) {
    const byStore = new Map<string, SecretResolver>();
    for (const resolver of resolvers) {
      if (byStore.has(resolver.store)) {
        throw new Error(`two secret resolvers claim the AuthRef store '${resolver.store}'`);
      }
      byStore.set(resolver.store, resolver);
    }
    this.resolvers = byStore;
  }

  /** The AuthRef stores this service can resolve, sorted. */
  supportedStores(): string[] {
    return [...this.resolvers.keys()].sort();
  }

  /**
   * The `secrets` of one registration: `credentials` maps each slot to its AuthRef URI. `get`
   * rejects with a `SecretUnavailableError` for a slot without a reference, a malformed reference,
   * a store this service does not have, or a value the store cannot produce.
   */
  accessorFor(
    context: SecretAccessContext,
    credentials: Readonly<Record<string, string>>,
  ): ResolvingSecretAccessor {
    const references = new Map(Object.entries(credentials));
    const resolved = new Set<string>();
    const slots = Object.freeze([...references.keys()].sort());
    return {
      slots,
      has: (slot) => references.has(slot),
      get: async (slot, signal) => {
        const value = await this.resolve(context, slot, references.get(slot), signal);
        resolved.add(value);
        return value;
      },
      resolvedValues: () => [...resolved],
    };
  }

  private async resolve(
    context: SecretAccessContext,
    slot: string,
    uri: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    if (uri === undefined) {
      throw new SecretUnavailableError(slot, 'no reference is configured for this slot');
    }
    let ref: AuthRef;
    try {
      ref = AuthRef.parse(uri);
    } catch {
      // Saved references were checked at the API; whatever is here, it is never quoted back.
      throw new SecretUnavailableError(slot, 'its reference is not a valid AuthRef URI');
    }
    const resolver = this.resolvers.get(ref.store);
    if (resolver === undefined) {
      throw new SecretUnavailableError(
        slot,
        `the AuthRef store '${ref.store}' is not supported here (supported: ${this.supportedStores().join(', ')})`,
      );
    }
    if (signal?.aborted) {
      throw new SecretUnavailableError(slot, 'the resolution was aborted', { isTransient: true });
    }
    let value: string;
    try {
      value = await resolver.resolve(ref, signal);
    } catch (error) {
      if (error instanceof SecretResolutionError) {
        throw new SecretUnavailableError(slot, error.message, {
          isTransient: error.isTransient,
          cause: error,
        });
      }
      // Any other error comes from a store's internals and might quote what it read: keep only its type.
      const kind = error instanceof Error ? error.name : typeof error;
      throw new SecretUnavailableError(slot, `the '${ref.store}' store failed (${kind})`, {
        isTransient: true,
      });
    }
    await this.audit(context, slot, ref.store);
    return value;
  }

  private async audit(context: SecretAccessContext, slot: string, store: string): Promise<void> {
    try {
      await this.database.audit.record({
        tenantId: context.tenantId,
        actor: context.actor,
        action: SECRET_RESOLVED_ACTION,
        integrationId: context.integrationId,
        details: { slot, store },
      });
    } catch (error) {
      // The secret is still handed out: a failing audit table must not take every check down.
      this.logger.warn(
        `could not audit the resolution of credential '${slot}' (${store}) for integration ${
          context.integrationId ?? '(draft)'
        }: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
