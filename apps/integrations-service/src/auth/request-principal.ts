import type { Principal } from './principal';

// A symbol rather than a property name: nothing else on the request can collide with it or set it.
const PRINCIPAL = Symbol('integrations:principal');

type WithPrincipal = { [PRINCIPAL]?: Principal };

export function setRequestPrincipal(request: object, principal: Principal): void {
  (request as WithPrincipal)[PRINCIPAL] = principal;
}

/** The principal the auth guard established for this request, if it ran and let it in. */
export function requestPrincipal(request: object): Principal | undefined {
  return (request as WithPrincipal)[PRINCIPAL];
}
