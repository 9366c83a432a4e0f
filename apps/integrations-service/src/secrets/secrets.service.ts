import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuthRef } from '@stellaops/integrations-core';
import { Database } from '@stellaops/integrations-persistence';
import { SecretUnavailableError } from '@stellaops/integrations-plugin-abstractions';
import type { ServiceConfig } from '../config/service-config';
import { InjectServiceConfig } from '../config/service-config.token';
import { redactionForms } from '../plugins/redact-secrets';
import type { ResolvingSecretAccessor } from './resolving-secret-accessor';
import type { SecretAccessContext } from './secret-access-context';
import { SecretResolutionError } from './secret-resolution.error';
import type { SecretResolver } from './secret-resolver';
import { InjectSecretResolvers } from './secret-resolver';
import { ANY_TENANT, TENANT_STORES_VARIABLE } from './tenant-stores';

export const SECRET_RESOLVED_ACTION = 'secret.resolved';
export const SECRET_REFUSED_ACTION = 'secret.refused';

/**
 * Resolves a registration's credential references through the registered stores, in the scope of
 * its tenant: a reference the tenant may not use (a store closed to it, a variable the operator
 * does not allow, a path out of its folder) is refused at registration and again here, before any
 * store is asked. A value is resolved on every `get` (never cached, so a rotated secret is used at
 * once) and every resolution or refusal is audited with its slot and store, never its value or
 * location.
 */
@Injectable()
export class SecretsService {
  private readonly logger = new Logger('Secrets');
  private readonly resolvers: ReadonlyMap<string, SecretResolver>;
  private readonly tenantStores: ReadonlyMap<string, readonly string[]> | undefined;

  constructor(
    @InjectSecretResolvers() resolvers: readonly SecretResolver[],
    @Inject(Database) private readonly database: Database,
    @InjectServiceConfig() config: ServiceConfig,
  ) {
    const byStore = new Map<string, SecretResolver>();
    for (const resolver of resolvers) {
      if (byStore.has(resolver.store)) {
        throw new Error(`two secret resolvers claim the AuthRef store '${resolver.store}'`);
      }
      byStore.set(resolver.store, resolver);
    }
    this.resolvers = byStore;
    this.tenantStores = config.secretsTenantStores;
    const unknown = [...new Set([...(this.tenantStores?.values() ?? [])].flat())].filter(
      (store) => !byStore.has(store),
    );
    if (unknown.length > 0) {
      this.logger.warn(
        `${TENANT_STORES_VARIABLE} names stores this service does not have (${unknown.sort().join(', ')}); supported: ${this.supportedStores().join(', ')}`,
      );
    }
  }

  /** The AuthRef stores this service can resolve, sorted. */
  supportedStores(): string[] {
    return [...this.resolvers.keys()].sort();
  }

  /**
   * Why `tenantId` may not use `ref`, or undefined when it may: decided from the reference and the
   * configuration alone, so the answer is the same whether or not the secret exists.
   */
  refusal(tenantId: string, ref: AuthRef): string | undefined {
    const decision = this.decide(tenantId, ref);
    return 'refusal' in decision ? decision.refusal : undefined;
  }

  /**
   * The `secrets` of one registration: `credentials` maps each slot to its AuthRef URI. `get`
   * rejects with a `SecretUnavailableError` for a slot without a reference, a malformed reference,
   * a store this service does not have, a reference the tenant may not use, or a value the store
   * cannot produce.
   */
  accessorFor(
    context: SecretAccessContext,
    credentials: Readonly<Record<string, string>>,
  ): ResolvingSecretAccessor {
    const references = new Map(Object.entries(credentials));
    // Each value's encoded forms are worked out once, when it is first handed out.
    const resolved = new Map<string, readonly string[]>();
    const slots = Object.freeze([...references.keys()].sort());
    return {
      slots,
      has: (slot) => references.has(slot),
      get: async (slot, signal) => {
        const value = await this.resolve(context, slot, references.get(slot), signal);
        if (!resolved.has(value)) resolved.set(value, redactionForms(value));
        return value;
      },
      resolvedValues: () => [...new Set([...resolved.values()].flat())],
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
    const decision = this.decide(context.tenantId, ref);
    if ('refusal' in decision) {
      if (decision.byPolicy) {
        await this.audit(context, SECRET_REFUSED_ACTION, slot, ref.store);
        this.logger.warn(
          `refused credential '${slot}' of integration ${context.integrationId ?? '(draft)'} (tenant ${context.tenantId}): ${decision.refusal}`,
        );
      }
      throw new SecretUnavailableError(slot, decision.refusal);
    }
    const { resolver } = decision;
    if (signal?.aborted) {
      throw new SecretUnavailableError(slot, 'the resolution was aborted', { isTransient: true });
    }
    let value: string;
    try {
      value = await resolver.resolve(ref, context, signal);
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
    await this.audit(context, SECRET_RESOLVED_ACTION, slot, ref.store);
    return value;
  }

  /** The store that resolves `ref` for `tenantId`, or why there is none. */
  private decide(
    tenantId: string,
    ref: AuthRef,
  ): { resolver: SecretResolver } | { refusal: string; byPolicy: boolean } {
    const resolver = this.resolvers.get(ref.store);
    if (resolver === undefined) {
      return {
        refusal: `its AuthRef store '${ref.store}' is not supported here (supported: ${this.supportedStores().join(', ')})`,
        byPolicy: false,
      };
    }
    const open = this.tenantStores?.get(tenantId) ?? this.tenantStores?.get(ANY_TENANT);
    if (this.tenantStores !== undefined && !open?.includes(ref.store)) {
      return {
        refusal: `its AuthRef store '${ref.store}' is not open to this tenant (the operator opens stores to tenants with ${TENANT_STORES_VARIABLE})`,
        byPolicy: true,
      };
    }
    const refusal = resolver.refusal(ref, tenantId);
    return refusal === undefined ? { resolver } : { refusal, byPolicy: true };
  }

  private async audit(
    context: SecretAccessContext,
    action: string,
    slot: string,
    store: string,
  ): Promise<void> {
    try {
      await this.database.audit.record({
        tenantId: context.tenantId,
        actor: context.actor,
        action,
        integrationId: context.integrationId,
        details: { slot, store },
      });
    } catch (error) {
      // The secret is still handed out: a failing audit table must not take every check down.
      this.logger.warn(
        `could not audit ${action} of credential '${slot}' (${store}) for integration ${
          context.integrationId ?? '(draft)'
        }: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
