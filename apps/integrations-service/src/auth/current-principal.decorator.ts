import type { ExecutionContext } from '@nestjs/common';
import { createParamDecorator } from '@nestjs/common';
import type { Principal } from './principal';
import { requestPrincipal } from './request-principal';

function principalOf(context: ExecutionContext): Principal {
  const principal = requestPrincipal(context.switchToHttp().getRequest<object>());
  if (principal === undefined) {
    // Only a programming error gets here: the parameter is used on a `@Public()` route.
    throw new Error('@CurrentPrincipal() is used on a route that does not authenticate its caller');
  }
  return principal;
}

/** The verified caller of the request (its subject, tenant and scopes). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => principalOf(context),
);
