import type { OnModuleInit } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuthRef } from '@stellaops/integrations-core';
import { Database } from '@stellaops/integrations-persistence';
import { SecretUnavailableError } from '@stellaops/integrations-plugin-abstractions';
import { ReferenceHmac } from '../audit/reference-hmac';
import type { ServiceConfig } from '../config/service-config';
import { InjectServiceConfig } from '../config/service-config.token';
import { redactionForms } from '../plugins/redact-secrets';
import type { ResolvingSecretAccessor } from './resolving-secret-accessor';
import type { SecretAccessContext } from './secret-access-context';
import { SecretResolutionError } from './secret-resolution.error';
import type { SecretResolver } from './secret-resolver';
import { InjectSecretResolvers } from './secret-resolver';
import { ANY_TENANT, TENANT_STORES_VARIABLE } from './tenant-stores';

/** A store produced the value, and it was handed out. */
export const SECRET_RESOLVED_ACTION = 'secret.resolved';
/** The tenant may not use the reference (the operator's policy); no store was asked. */
export const SECRET_REFUSED_ACTION = 'secret.refused';
/** The store was asked and could not produce the value. */
export const SECRET_FAILED_ACTION = 'secret.failed';

/**
 * Why a store could not produce a value, as the audit trail records it (a store's reason may name
 * the variable or the file, so it is not recorded): `unavailable` — it may answer later
 * (unreachable, timed out); `unresolved` — it answered that it cannot (missing, denied, empty);
 * `store-error` — its internals failed (the error's name is recorded as `errorName`).
 */
export type SecretFailure = 'unavailable' | 'unresolved' | 'store-error';

/** What an audit entry of a failure may say of an error: its class name, when it is one. */
function errorName(error: unknown): string {
  const name = error instanceof Error ? error.name : typeof error;
  return /^[A-Za-z_$][\w$]{0,63}$/.test(name) ? name : 'Error';
}

/**
 * Resolves a registration's credential references through the registered stores, in the scope of
 * its tenant: a reference the tenant may not use (a store closed to it, a variable the operator
 * does not allow, a path out of its folder) is refused at registration and again here, before any
 * store is asked. A value is resolved on every `get`; the remote stores (vault, authority) answer from a short
 * in-memory cache (SECRETS_CACHE_TTL_MS, 0 for none), the local ones read every time.
 *
 * Every attempt that gets as far as the tenant's policy is audited — refused by it, resolved, or
 * failed in the store — with the tenant, the integration, the actor, the slot, the store, the
 * purpose and an HMAC of the reference, never the value or where it is kept. A resolved value is
 * handed out only after its entry is written: when the audit trail cannot be written, the store
 * has been asked but the value is dropped, and `get` rejects with a transient
 * `SecretUnavailableError` saying so. (Asking first lets the entry record the real outcome.)
 */
@Injectable()
export class SecretsService implements OnModuleInit {
  private readonly logger = new Logger('Secrets');
  private readonly resolvers: ReadonlyMap<string, SecretResolver>;
  private readonly tenantStores: ReadonlyMap<string, readonly string[]> | undefined;
  private hmac: Promise<ReferenceHmac> | undefined;

  constructor(
    @InjectSecretResolvers() resolvers: readonly SecretResolver[],
    @Inject(Database) private readonly database: Database,
    @InjectServiceConfig() private readonly config: ServiceConfig,
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

  /** Loads the audit trail's HMAC key at start, so that a broken key file stops the start. */
  async onModuleInit(): Promise<void> {
    await this.referenceHmac();
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
   * a store this service does not have, a reference the tenant may not use, a value the store
   * cannot produce, or a value whose access cannot be audited (transient). `handedOut`: secret
   * values the plugin is given some other way (its secret settings), which `resolvedValues`
   * includes from the start so that they are redacted like the resolved ones.
   */
  accessorFor(
    context: SecretAccessContext,
    credentials: Readonly<Record<string, string>>,
    handedOut: readonly string[] = [],
  ): ResolvingSecretAccessor {
    const references = new Map(Object.entries(credentials));
    // Each value's encoded forms are worked out once, when it is first handed out; secrets the
    // plugin is handed otherwise (its secret settings) are redacted from the start.
    const resolved = new Map<string, readonly string[]>(
      handedOut.map((value) => [value, redactionForms(value)]),
    );
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
        await this.auditOrLog(context, SECRET_REFUSED_ACTION, slot, ref);
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
        await this.auditOrLog(context, SECRET_FAILED_ACTION, slot, ref, {
          failure: error.isTransient ? 'unavailable' : 'unresolved',
        });
        throw new SecretUnavailableError(slot, error.message, {
          isTransient: error.isTransient,
          cause: error,
        });
      }
      // Any other error comes from a store's internals and might quote what it read: keep only its type.
      const kind = errorName(error);
      await this.auditOrLog(context, SECRET_FAILED_ACTION, slot, ref, {
        failure: 'store-error',
        errorName: kind,
      });
      throw new SecretUnavailableError(slot, `the '${ref.store}' store failed (${kind})`, {
        isTransient: true,
      });
    }
    // The entry first, then the value: a resolution the trail does not show is never handed out.
    try {
      await this.audit(context, SECRET_RESOLVED_ACTION, slot, ref);
    } catch (error) {
      this.logger.error(
        `${this.auditFailure(context, SECRET_RESOLVED_ACTION, slot, ref, error)}; the credential is not handed out`,
      );
      throw new SecretUnavailableError(
        slot,
        'the audit trail is unavailable, and a credential is handed out only once its access is recorded',
        { isTransient: true },
      );
    }
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

  /** The key is loaded once; a failed load is tried again at the next resolution. */
  private referenceHmac(): Promise<ReferenceHmac> {
    if (this.hmac === undefined) {
      const loading = ReferenceHmac.fromConfig(this.config.audit, this.config.dataDir, this.logger);
      this.hmac = loading;
      loading.catch(() => {
        if (this.hmac === loading) this.hmac = undefined;
      });
    }
    return this.hmac;
  }

  /** Writes the attempt's entry; rejects when it cannot be written. */
  private async audit(
    context: SecretAccessContext,
    action: string,
    slot: string,
    ref: AuthRef,
    outcome: { failure?: SecretFailure; errorName?: string } = {},
  ): Promise<void> {
    const hmac = await this.referenceHmac();
    await this.database.audit.record({
      tenantId: context.tenantId,
      actor: context.actor,
      action,
      integrationId: context.integrationId,
      details: {
        slot,
        store: ref.store,
        referenceHmac: hmac.of(ref),
        purpose: context.purpose,
        ...outcome,
      },
    });
  }

  /**
   * Audits an attempt that hands nothing out (a refusal, a failure): if the entry cannot be
   * written, that is logged and the attempt's own error is what the caller gets.
   */
  private async auditOrLog(
    context: SecretAccessContext,
    action: string,
    slot: string,
    ref: AuthRef,
    outcome: { failure?: SecretFailure; errorName?: string } = {},
  ): Promise<void> {
    try {
      await this.audit(context, action, slot, ref, outcome);
    } catch (error) {
      this.logger.error(this.auditFailure(context, action, slot, ref, error));
    }
  }

  private auditFailure(
    context: SecretAccessContext,
    action: string,
    slot: string,
    ref: AuthRef,
    error: unknown,
  ): string {
    return `could not audit ${action} of credential '${slot}' (${ref.store}) for integration ${
      context.integrationId ?? '(draft)'
    } (tenant ${context.tenantId}): ${error instanceof Error ? error.message : String(error)}`;
  }
}
