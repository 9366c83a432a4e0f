import { Inject } from '@nestjs/common';
import type { AuthRef } from '@stellaops/integrations-core';

/**
 * One AuthRef store (`authref://<store>/...`). A resolver answers with the value, or rejects with
 * a `SecretResolutionError` whose reason an operator can act on; neither the reason nor anything
 * it logs may contain the value.
 */
export interface SecretResolver {
  readonly store: string;
  resolve(ref: AuthRef, signal?: AbortSignal): Promise<string>;
}

/** Every registered `SecretResolver`, as one list: a new store adds itself to it. */
export const SECRET_RESOLVERS = 'INTEGRATIONS:SECRET_RESOLVERS';

export const InjectSecretResolvers = (): ParameterDecorator => Inject(SECRET_RESOLVERS);
