import type { CanActivate, ExecutionContext } from '@nestjs/common';
import {
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthService } from './auth.service';
import { InvalidTokenError } from './invalid-token.error';
import type { Principal } from './principal';
import { IS_PUBLIC } from './public.decorator';
import { setRequestPrincipal } from './request-principal';
import { REQUIRED_SCOPES } from './require-scopes.decorator';

/** What a route asks of its caller, read once from the decorators. */
type Policy =
  | { readonly kind: 'public' }
  | { readonly kind: 'scoped'; readonly scopes: readonly string[] }
  | { readonly kind: 'undeclared'; readonly route: string };

const BEARER_PREFIX = 'Bearer ';

/**
 * The global guard. A `@Public()` route lets anyone in. Every other route needs a valid bearer
 * token (401 otherwise). Then a `@RequireScopes` route needs all its scopes (403 otherwise), and a
 * route that declares neither is refused (403): a forgotten decorator closes a route, never opens it.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');
  private readonly policies = new Map<unknown, Policy>();

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const policy = this.policyOf(context);
    if (policy.kind === 'public') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const token = bearerToken(request.headers.authorization, reply);
    // The common case, a token seen in the last minutes, settles without a promise.
    const known = this.auth.cached(token);
    if (known !== undefined) return this.admit(policy, known, request, reply);
    return this.auth.verify(token).then(
      (principal) => this.admit(policy, principal, request, reply),
      (error: unknown) => {
        if (error instanceof InvalidTokenError) {
          throw unauthorized(reply, 'invalid_token', error.message);
        }
        throw error;
      },
    );
  }

  private admit(
    policy: Exclude<Policy, { kind: 'public' }>,
    principal: Principal,
    request: FastifyRequest,
    reply: FastifyReply,
  ): boolean {
    if (policy.kind === 'undeclared') {
      throw new ForbiddenException(
        `${policy.route} declares no required scopes, so it is closed to every caller`,
      );
    }
    for (const scope of policy.scopes) {
      if (!principal.scopes.has(scope)) {
        void reply.header(
          'www-authenticate',
          `Bearer error="insufficient_scope", scope="${policy.scopes.join(' ')}"`,
        );
        throw new ForbiddenException(`this call needs the scope ${policy.scopes.join(' and ')}`);
      }
    }
    setRequestPrincipal(request, principal);
    return true;
  }

  private policyOf(context: ExecutionContext): Policy {
    const handler = context.getHandler();
    const cached = this.policies.get(handler);
    if (cached !== undefined) return cached;
    const targets = [handler, context.getClass()];
    let policy: Policy;
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true) {
      policy = { kind: 'public' };
    } else {
      const scopes = this.reflector.getAllAndOverride<readonly string[] | undefined>(
        REQUIRED_SCOPES,
        targets,
      );
      if (scopes !== undefined) {
        policy = { kind: 'scoped', scopes };
      } else {
        const route = `${context.getClass().name}.${handler.name}`;
        this.logger.warn(`${route} has neither @Public() nor @RequireScopes(): it answers 403`);
        policy = { kind: 'undeclared', route };
      }
    }
    this.policies.set(handler, policy);
    return policy;
  }
}

/**
 * The token of an `Authorization: Bearer <token>` header. Throws a 401 with the RFC 6750 challenge:
 * bare for a missing header, `invalid_request` for another scheme or an empty token.
 */
function bearerToken(header: string | undefined, reply: FastifyReply): string {
  if (header === undefined || header === '') {
    throw unauthorized(reply, undefined, 'this call needs an Authorization: Bearer <token> header');
  }
  const bearer =
    header.length > BEARER_PREFIX.length &&
    (header.startsWith(BEARER_PREFIX) ||
      header.slice(0, BEARER_PREFIX.length).toLowerCase() === 'bearer ');
  if (!bearer) {
    throw unauthorized(reply, 'invalid_request', 'the Authorization header is not Bearer <token>');
  }
  const token = header.slice(BEARER_PREFIX.length).trim();
  if (token === '' || token.includes(' ')) {
    throw unauthorized(reply, 'invalid_request', 'the Authorization header is not Bearer <token>');
  }
  return token;
}

function unauthorized(
  reply: FastifyReply,
  error: 'invalid_token' | 'invalid_request' | undefined,
  detail: string,
): UnauthorizedException {
  void reply.header('www-authenticate', error === undefined ? 'Bearer' : `Bearer error="${error}"`);
  return new UnauthorizedException(detail);
}
