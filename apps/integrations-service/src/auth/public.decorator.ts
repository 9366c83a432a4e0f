import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'integrations:auth:public';

/**
 * Serves the route (or every route of the controller) without a token: probes and metrics only.
 * Everything else declares its scopes with `@RequireScopes`.
 */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(IS_PUBLIC, true);
