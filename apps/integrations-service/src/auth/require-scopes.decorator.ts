import { SetMetadata } from '@nestjs/common';
import type { Scope } from './scopes';

export const REQUIRED_SCOPES = 'integrations:auth:required-scopes';

/**
 * The scopes a caller's token must all hold, on a route or a whole controller (the route's own
 * declaration wins). With no scopes, any authenticated caller is let in. A route with neither this
 * nor `@Public()` is refused to every caller (403), so that forgetting it never opens a route.
 */
export const RequireScopes = (...scopes: Scope[]): ClassDecorator & MethodDecorator =>
  SetMetadata(REQUIRED_SCOPES, Object.freeze([...scopes]));
