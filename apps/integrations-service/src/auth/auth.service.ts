import type { OnModuleInit } from '@nestjs/common';
import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { CryptoKey, JWTPayload, JWTVerifyGetKey } from 'jose';
import { createRemoteJWKSet, errors, jwtVerify, SignJWT } from 'jose';
import { loadLocalSecret } from '../config/local-secret';
import { isSafeInputText } from '@stellaops/integrations-contracts';
import type { ServiceConfig } from '../config/service-config';
import { InjectServiceConfig } from '../config/service-config.token';
import { InvalidTokenError } from './invalid-token.error';
import type { Principal } from './principal';
import { ALL_SCOPES } from './scopes';
import { VerifiedTokenCache } from './verified-token-cache';

/** The local token-signing secret's file in the data folder. */
export const LOCAL_SECRET_FILE = 'auth-secret';

const CLOCK_TOLERANCE_SECONDS = 30;
const CACHE_MAX_ENTRIES = 10_000;
const CACHE_MAX_AGE_MS = 5 * 60_000;
const DEFAULT_TOKEN_LIFETIME_SECONDS = 3_600;
const LOCAL_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3_600;
/** Far above any real JWT; keeps a hostile header from filling the cache or the verifier. */
const MAX_TOKEN_LENGTH = 8_192;

// Asymmetric only: with a JWKS, accepting HS* would let a public key be used as an HMAC secret.
const JWKS_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

export interface TokenClaims {
  readonly sub: string;
  readonly tenant: string;
  /** The scopes, space-separated or as a list. */
  readonly scope?: string | readonly string[];
  /** The token's lifetime; one hour unless given. */
  readonly expiresInSeconds?: number;
}

type Verifier =
  | { readonly kind: 'secret'; readonly key: CryptoKey }
  | {
      readonly kind: 'jwks';
      readonly keys: JWTVerifyGetKey;
      readonly issuer: string;
      readonly audience: string;
    };

async function hmacKey(secret: Uint8Array): Promise<CryptoKey> {
  // Imported once: handing jose the raw bytes would import them again on every verification.
  return crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

function describe(error: errors.JOSEError): string {
  switch (error.code) {
    case errors.JWTExpired.code:
      return 'the token has expired';
    case errors.JWTClaimValidationFailed.code: {
      const { claim, reason } = error as errors.JWTClaimValidationFailed;
      return reason === 'missing'
        ? `the token has no "${claim}" claim`
        : `the token's "${claim}" claim is not acceptable`;
    }
    case errors.JOSEAlgNotAllowed.code:
    case errors.JOSENotSupported.code:
      return "the token's signing algorithm is not accepted";
    case errors.JWSSignatureVerificationFailed.code:
      return "the token's signature does not verify";
    case errors.JWKSNoMatchingKey.code:
    case errors.JWKSMultipleMatchingKeys.code:
      return 'no single key of the issuer matches the token';
    default:
      return 'the token is not a valid signed JWT';
  }
}

function principalFrom(payload: JWTPayload): Principal {
  const { sub, tenant, scope } = payload;
  if (typeof sub !== 'string' || sub.trim() === '') {
    throw new InvalidTokenError('the token has no "sub" claim');
  }
  if (typeof tenant !== 'string' || tenant.trim() === '') {
    throw new InvalidTokenError('the token has no "tenant" claim (a non-empty string)');
  }
  if (scope !== undefined && typeof scope !== 'string') {
    throw new InvalidTokenError('the token\'s "scope" claim is not a space-separated string');
  }
  // The tenant and subject go to the database and the logs: PostgreSQL refuses NUL and unpaired
  // surrogates, and no identity provider issues control characters in a claim.
  for (const [claim, value] of [
    ['sub', sub],
    ['tenant', tenant],
    ['scope', scope ?? ''],
  ] as const) {
    if (!isSafeInputText(value, 'line')) {
      throw new InvalidTokenError(
        `the token's "${claim}" claim holds control characters or unpaired UTF-16 surrogates`,
      );
    }
  }
  const scopes = new Set(scope === undefined ? [] : scope.split(' ').filter((s) => s !== ''));
  return Object.freeze({ subject: sub, tenantId: tenant, scopes });
}

/**
 * Verifies bearer tokens (HS256 with a configured or local secret, or an issuer's JWKS) and, in
 * the local and HS256 modes, issues them. Verified tokens are remembered for a few minutes so
 * that a client reusing its token pays for the signature once.
 */
@Injectable()
export class AuthService implements OnModuleInit {
  private readonly logger = new Logger('Auth');
  private readonly cache = new VerifiedTokenCache(CACHE_MAX_ENTRIES, CACHE_MAX_AGE_MS);
  private verifier: Verifier | undefined;

  constructor(@InjectServiceConfig() private readonly config: ServiceConfig) {}

  async onModuleInit(): Promise<void> {
    this.verifier = await this.createVerifier();
  }

  private async createVerifier(): Promise<Verifier> {
    const auth = this.config.auth;
    switch (auth.mode) {
      case 'hs256':
        return { kind: 'secret', key: await hmacKey(new TextEncoder().encode(auth.secret)) };
      case 'jwks':
        return {
          kind: 'jwks',
          keys: createRemoteJWKSet(new URL(auth.jwksUrl)),
          issuer: auth.issuer,
          audience: auth.audience,
        };
      case 'local': {
        const secret = await loadLocalSecret(this.config.dataDir, LOCAL_SECRET_FILE);
        if (secret.created) this.logger.log(`made a token-signing secret in ${secret.file}`);
        if (secret.exposed) {
          this.logger.warn(`${secret.file} is readable by other users: chmod 600 it`);
        }
        return { kind: 'secret', key: await hmacKey(secret.key) };
      }
    }
  }

  private ready(): Verifier {
    if (this.verifier === undefined) {
      throw new Error('AuthService is used before its module was initialised');
    }
    return this.verifier;
  }

  /** The principal of a token verified in the last few minutes, without any cryptography. */
  cached(token: string): Principal | undefined {
    return this.cache.get(token);
  }

  /**
   * Verifies a token and returns its principal. Rejects with an `InvalidTokenError` saying why a
   * token is refused, or a 503 when the issuer's keys cannot be fetched.
   */
  async verify(token: string): Promise<Principal> {
    const known = this.cache.get(token);
    if (known !== undefined) return known;
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw new InvalidTokenError('the token is not a valid signed JWT');
    }
    const verifier = this.ready();
    let payload: JWTPayload;
    try {
      const options = {
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
      };
      ({ payload } =
        verifier.kind === 'secret'
          ? await jwtVerify(token, verifier.key, { ...options, algorithms: ['HS256'] })
          : await jwtVerify(token, verifier.keys, {
              ...options,
              algorithms: JWKS_ALGORITHMS,
              issuer: verifier.issuer,
              audience: verifier.audience,
            }));
    } catch (error) {
      throw this.translate(error);
    }
    const principal = principalFrom(payload);
    // `requiredClaims` guarantees a numeric `exp` here.
    this.cache.set(token, principal, (payload.exp ?? 0) * 1_000);
    return principal;
  }

  private translate(error: unknown): Error {
    const unreachable =
      !(error instanceof errors.JOSEError) ||
      error.code === errors.JWKSTimeout.code ||
      error.code === errors.JWKSInvalid.code;
    if (unreachable && this.verifier?.kind === 'jwks') {
      this.logger.warn(
        `cannot fetch the issuer's keys: ${error instanceof Error ? error.message : String(error)}`,
      );
      return new ServiceUnavailableException(
        "the issuer's signing keys cannot be fetched right now; retry shortly",
        { cause: error },
      );
    }
    if (error instanceof errors.JOSEError) return new InvalidTokenError(describe(error));
    return error instanceof Error ? error : new Error(String(error));
  }

  /** Signs a token with this service's secret (HS256 and local modes only). */
  async issueToken(claims: TokenClaims): Promise<string> {
    const verifier = this.ready();
    if (verifier.kind !== 'secret') {
      throw new Error('tokens are issued by the identity provider when AUTH_JWKS_URL is set');
    }
    const scope = typeof claims.scope === 'string' ? claims.scope : (claims.scope ?? []).join(' ');
    const now = Math.floor(Date.now() / 1_000);
    return new SignJWT({ tenant: claims.tenant, scope })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + (claims.expiresInSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS))
      .sign(verifier.key);
  }

  /**
   * In local mode (no key configured), a 30-day token for tenant `default` with every scope, for
   * the operator to try the API; otherwise undefined.
   */
  async localToken(): Promise<string | undefined> {
    if (this.config.auth.mode !== 'local') return undefined;
    return this.issueToken({
      sub: 'local-admin',
      tenant: 'default',
      scope: ALL_SCOPES,
      expiresInSeconds: LOCAL_TOKEN_LIFETIME_SECONDS,
    });
  }
}
