import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ServiceUnavailableException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { CryptoKey } from 'jose';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { ConfigModule } from '../config/config.module';
import { loadServiceConfig } from '../config/service-config';
import { AuthService } from './auth.service';
import { InvalidTokenError } from './invalid-token.error';
import { LOCAL_SECRET_FILE } from './auth.service';
import { Scopes } from './scopes';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const KEY = new TextEncoder().encode(SECRET);

async function authService(env: Record<string, string>): Promise<AuthService> {
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(loadServiceConfig(env))],
    providers: [AuthService],
  }).compile();
  await moduleRef.init();
  return moduleRef.get(AuthService);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1_000);
}

function signed(
  claims: Record<string, unknown>,
  options: { exp?: number | null; alg?: string; key?: Uint8Array } = {},
): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256' });
  const exp = options.exp === undefined ? nowSeconds() + 600 : options.exp;
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(options.key ?? KEY);
}

async function refusal(promise: Promise<unknown>): Promise<InvalidTokenError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  return error as InvalidTokenError;
}

describe('AuthService', () => {
  describe('with an HS256 secret', () => {
    let auth: AuthService;

    beforeEach(async () => {
      auth = await authService({ AUTH_JWT_SECRET: SECRET });
    });

    it('turns a valid token into its principal', async () => {
      const token = await signed({
        sub: 'alice',
        tenant: 't1',
        scope: 'integrations:read  integrations:write',
      });
      const principal = await auth.verify(token);
      expect(principal.subject).toBe('alice');
      expect(principal.tenantId).toBe('t1');
      expect([...principal.scopes].sort()).toEqual([Scopes.Read, Scopes.Write]);
    });

    it('gives a token without a scope claim no scopes', async () => {
      const principal = await auth.verify(await signed({ sub: 'alice', tenant: 't1' }));
      expect(principal.scopes.size).toBe(0);
    });

    it('refuses an expired token, with 30 seconds of clock tolerance', async () => {
      const lenient = await signed({ sub: 'a', tenant: 't' }, { exp: nowSeconds() - 20 });
      await expect(auth.verify(lenient)).resolves.toMatchObject({ subject: 'a' });
      const expired = await signed({ sub: 'a', tenant: 't' }, { exp: nowSeconds() - 40 });
      expect((await refusal(auth.verify(expired))).message).toBe('the token has expired');
    });

    it('refuses a token without exp', async () => {
      const token = await signed({ sub: 'a', tenant: 't' }, { exp: null });
      expect((await refusal(auth.verify(token))).message).toBe('the token has no "exp" claim');
    });

    it('refuses a token signed with another secret', async () => {
      const token = await signed(
        { sub: 'a', tenant: 't' },
        { key: new TextEncoder().encode('another-secret-of-at-least-32-bytes!!') },
      );
      expect((await refusal(auth.verify(token))).message).toBe(
        "the token's signature does not verify",
      );
    });

    it('refuses an unsigned token (alg none) and other algorithms', async () => {
      const unsecured = new UnsecuredJWT({ sub: 'a', tenant: 't' })
        .setExpirationTime(nowSeconds() + 600)
        .encode();
      await refusal(auth.verify(unsecured));
      const hs384 = await signed({ sub: 'a', tenant: 't' }, { alg: 'HS384' });
      expect((await refusal(auth.verify(hs384))).message).toBe(
        "the token's signing algorithm is not accepted",
      );
    });

    it('refuses a token without a tenant or a subject', async () => {
      await refusal(auth.verify(await signed({ sub: 'a' })));
      await refusal(auth.verify(await signed({ sub: 'a', tenant: '' })));
      await refusal(auth.verify(await signed({ sub: 'a', tenant: 42 })));
      await refusal(auth.verify(await signed({ tenant: 't' })));
      await refusal(auth.verify(await signed({ sub: 'a', tenant: 't', scope: ['x'] })));
    });

    it.each(['\u0000', '\u0007', '\u0085', '\t', '\ud800', '\udfff'])(
      'refuses a token whose sub, tenant or scope holds %j, naming the claim',
      async (bad) => {
        for (const claims of [
          { sub: `u${bad}`, tenant: 't' },
          { sub: 'u', tenant: `t${bad}` },
          { sub: 'u', tenant: 't', scope: `integrations:read${bad}` },
        ]) {
          const claim = Object.keys(claims).find((key) =>
            String(claims[key as keyof typeof claims]).includes(bad),
          );
          const error = await refusal(auth.verify(await signed(claims)));
          expect(error.message).toContain(`"${claim}"`);
        }
        expect((await auth.verify(await signed({ sub: '🚀 u', tenant: 'tø' }))).tenantId).toBe(
          'tø',
        );
      },
    );

    it('refuses what is not a JWT, without repeating it', async () => {
      const error = await refusal(auth.verify('not-a-jwt-secretish'));
      expect(error.message).not.toContain('secretish');
      await refusal(auth.verify(''));
      await refusal(auth.verify('x'.repeat(10_000)));
    });

    it('remembers a verified token, and never a refused one', async () => {
      const token = await signed({ sub: 'alice', tenant: 't1', scope: Scopes.Read });
      expect(auth.cached(token)).toBeUndefined();
      const principal = await auth.verify(token);
      expect(auth.cached(token)).toBe(principal);
      await expect(auth.verify(token)).resolves.toBe(principal);

      const bad = `${token.slice(0, -2)}xx`;
      await refusal(auth.verify(bad));
      expect(auth.cached(bad)).toBeUndefined();
    });

    it('issues tokens it accepts', async () => {
      const token = await auth.issueToken({
        sub: 'bob',
        tenant: 't2',
        scope: [Scopes.Operate],
        expiresInSeconds: 120,
      });
      const claims = decodeJwt(token);
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(120);
      const principal = await auth.verify(token);
      expect(principal).toMatchObject({ subject: 'bob', tenantId: 't2' });
      expect([...principal.scopes]).toEqual([Scopes.Operate]);
    });

    it('prints no local token when a key is configured', async () => {
      await expect(auth.localToken()).resolves.toBeUndefined();
    });
  });

  describe('in local mode', () => {
    let dataDir: string;

    beforeEach(async () => {
      dataDir = await mkdtemp(path.join(os.tmpdir(), 'auth-local-'));
    });

    afterEach(async () => {
      await rm(dataDir, { recursive: true, force: true });
    });

    it('signs with a secret kept in the data folder, so tokens survive a restart', async () => {
      const first = await authService({ DATA_DIR: dataDir });
      const token = await first.localToken();
      expect(token).toBeDefined();
      const file = await readFile(path.join(dataDir, LOCAL_SECRET_FILE), 'utf8');
      const ownToken = await signed(
        { sub: 'x', tenant: 't' },
        { key: Buffer.from(file.trim(), 'base64url') },
      );
      await expect(first.verify(ownToken)).resolves.toMatchObject({ subject: 'x' });

      const restarted = await authService({ DATA_DIR: dataDir });
      const principal = await restarted.verify(token ?? '');
      expect(principal.subject).toBe('local-admin');
      expect(principal.tenantId).toBe('default');
      expect([...principal.scopes].sort()).toEqual(
        [Scopes.Operate, Scopes.Read, Scopes.Write].sort(),
      );
      const claims = decodeJwt(token ?? '');
      expect((claims.exp ?? 0) - nowSeconds()).toBeGreaterThan(29 * 24 * 3_600);
      expect((claims.exp ?? 0) - nowSeconds()).toBeLessThanOrEqual(30 * 24 * 3_600);
    });

    it('refuses tokens signed with the HS256 secret of another data folder', async () => {
      const other = await mkdtemp(path.join(os.tmpdir(), 'auth-local-'));
      try {
        const token = await (await authService({ DATA_DIR: other })).localToken();
        const auth = await authService({ DATA_DIR: dataDir });
        await refusal(auth.verify(token ?? ''));
      } finally {
        await rm(other, { recursive: true, force: true });
      }
    });
  });

  describe('with a JWKS', () => {
    const issuer = 'https://issuer.test';
    const audience = 'stellaops-integrations';
    let server: ReturnType<typeof createServer>;
    let jwksUrl: string;
    let privateKey: CryptoKey;

    beforeAll(async () => {
      const pair = await generateKeyPair('RS256');
      privateKey = pair.privateKey;
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
      server = createServer((_request, response) => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    function rs256(claims: Record<string, unknown>, iss = issuer, aud = audience): Promise<string> {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(iss)
        .setAudience(aud)
        .setExpirationTime(nowSeconds() + 600)
        .sign(privateKey);
    }

    function jwksEnv(url = jwksUrl): Record<string, string> {
      return { AUTH_JWKS_URL: url, AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience };
    }

    it("accepts a token signed with the issuer's key for this audience", async () => {
      const auth = await authService(jwksEnv());
      const principal = await auth.verify(
        await rs256({ sub: 'svc', tenant: 't9', scope: Scopes.Read }),
      );
      expect(principal).toMatchObject({ subject: 'svc', tenantId: 't9' });
    });

    it('refuses another issuer or audience, and symmetric algorithms', async () => {
      const auth = await authService(jwksEnv());
      await refusal(auth.verify(await rs256({ sub: 's', tenant: 't' }, 'https://evil.test')));
      await refusal(auth.verify(await rs256({ sub: 's', tenant: 't' }, issuer, 'other')));
      const hs = await new SignJWT({ sub: 's', tenant: 't' })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setExpirationTime(nowSeconds() + 600)
        .sign(KEY);
      expect((await refusal(auth.verify(hs))).message).toBe(
        "the token's signing algorithm is not accepted",
      );
    });

    it('answers 503 when the keys cannot be fetched, and issues no tokens', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const auth = await authService(jwksEnv(`http://127.0.0.1:${port}/jwks.json`));
      await expect(auth.verify(await rs256({ sub: 's', tenant: 't' }))).rejects.toBeInstanceOf(
        ServiceUnavailableException,
      );
      await expect(auth.issueToken({ sub: 's', tenant: 't' })).rejects.toThrow(/identity provider/);
      await expect(auth.localToken()).resolves.toBeUndefined();
    });
  });
});
