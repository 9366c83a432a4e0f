import { Inject } from '@nestjs/common';
import type { AuthRef } from '@stellaops/integrations-core';
import type { SecretAccessContext } from './secret-access-context';

/**
 * One AuthRef store (`authref://<store>/...`). Every call is told on whose behalf it runs (the
 * tenant, the integration, the actor), and a store resolves only what that tenant may use.
 */
export interface SecretResolver {
  readonly store: string;
  /**
   * Why `tenantId` may not use `ref`, or undefined when it may. Decided from the reference and
   * the operator's policy alone, never by looking the secret up, so that the answer (and the
   * time it takes) cannot tell whether the secret exists. Checked at registration and again by
   * `resolve`.
   */
  refusal(ref: AuthRef, tenantId: string): string | undefined;
  /**
   * The value, or a rejection with a `SecretResolutionError` whose reason an operator can act on;
   * neither the reason nor anything logged may contain the value.
   */
  resolve(ref: AuthRef, context: SecretAccessContext, signal?: AbortSignal): Promise<string>;
}

/** Every registered `SecretResolver`, as one list: a new store adds itself to it. */
export const SECRET_RESOLVERS = 'INTEGRATIONS:SECRET_RESOLVERS';

export const InjectSecretResolvers = (): ParameterDecorator => Inject(SECRET_RESOLVERS);
