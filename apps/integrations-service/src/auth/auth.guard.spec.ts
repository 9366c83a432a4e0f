import { Controller, Get } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { SignJWT } from 'jose';
import { ConfigModule } from '../config/config.module';
import { loadServiceConfig } from '../config/service-config';
import { ProblemDetailsFilter } from '../problem/problem-details.filter';
import { AuthModule } from './auth.module';
import { AuthService } from './auth.service';
import { CurrentPrincipal } from './current-principal.decorator';
import type { Principal } from './principal';
import { Public } from './public.decorator';
import { RequireScopes } from './require-scopes.decorator';
import { Scopes } from './scopes';

const SECRET = 'a-guard-test-secret-of-at-least-32-bytes';

@Controller('probe')
@Public()
class ProbeController {
  @Get()
  probe(): { ok: true } {
    return { ok: true };
  }
}

@Controller('things')
@RequireScopes(Scopes.Read)
class ThingsController {
  @Get()
  list(@CurrentPrincipal() principal: Principal): object {
    return { subject: principal.subject, tenantId: principal.tenantId };
  }

  @Get('admin')
  @RequireScopes(Scopes.Write, Scopes.Operate)
  admin(): object {
    return { admin: true };
  }

  @Get('any')
  @RequireScopes()
  any(@CurrentPrincipal() principal: Principal): object {
    return { scopes: [...principal.scopes] };
  }
}

@Controller('forgotten')
class ForgottenController {
  @Get()
  forgotten(): object {
    return { open: true };
  }
}

describe('AuthGuard', () => {
  let app: NestFastifyApplication;
  let auth: AuthService;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(loadServiceConfig({ AUTH_JWT_SECRET: SECRET })), AuthModule],
      controllers: [ProbeController, ThingsController, ForgottenController],
      providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    auth = app.get(AuthService);
  });

  afterAll(async () => {
    await app.close();
  });

  function get(url: string, authorization?: string) {
    return app.inject({
      method: 'GET',
      url,
      headers: authorization === undefined ? {} : { authorization },
    });
  }

  async function bearer(scope: string[], claims: { tenant?: string } = {}): Promise<string> {
    const token = await auth.issueToken({ sub: 'alice', tenant: claims.tenant ?? 't1', scope });
    return `Bearer ${token}`;
  }

  it('lets anyone into a public controller', async () => {
    const response = await get('/probe');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true });
  });

  it('answers 401 problem+json with a bare challenge when there is no token', async () => {
    const response = await get('/things');
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
  });

  it('answers 401 invalid_request for another scheme or an empty token', async () => {
    for (const header of ['Basic YWxpY2U6c2VjcmV0', 'Bearer', 'Bearer   ', 'Bearer a b']) {
      const response = await get('/things', header);
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_request"');
    }
  });

  it('answers 401 invalid_token for a bad or expired token, never echoing it', async () => {
    const expired = await new SignJWT({ sub: 'a', tenant: 't', scope: Scopes.Read })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1_000) - 3_600)
      .sign(new TextEncoder().encode(SECRET));
    for (const token of ['garbage.token.value', expired]) {
      const response = await get('/things', `Bearer ${token}`);
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(response.body).not.toContain(token);
    }
    const response = await get('/things', `Bearer ${expired}`);
    expect(response.json()).toMatchObject({ detail: 'the token has expired' });
  });

  it('lets a caller with the scope in, with its principal', async () => {
    const header = await bearer([Scopes.Read], { tenant: 'acme' });
    const verify = jest.spyOn(auth, 'verify');
    try {
      for (let i = 0; i < 3; i++) {
        const response = await get('/things', header.replace('Bearer', 'bearer'));
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({ subject: 'alice', tenantId: 'acme' });
      }
      // Verified once; the later requests are served from the cache.
      expect(verify).toHaveBeenCalledTimes(1);
    } finally {
      verify.mockRestore();
    }
  });

  it('answers 403 insufficient_scope when a scope is missing', async () => {
    const response = await get('/things', await bearer([Scopes.Write]));
    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", scope="integrations:read"',
    );
    expect(response.json()).toMatchObject({ status: 403 });
  });

  it("lets a route's own scopes replace its controller's, and requires all of them", async () => {
    const writeOnly = await get('/things/admin', await bearer([Scopes.Write, Scopes.Read]));
    expect(writeOnly.statusCode).toBe(403);
    const both = await get('/things/admin', await bearer([Scopes.Write, Scopes.Operate]));
    expect(both.statusCode).toBe(200);
  });

  it('lets any authenticated caller into a route requiring no scope', async () => {
    const response = await get('/things/any', await bearer([]));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ scopes: [] });
    expect((await get('/things/any')).statusCode).toBe(401);
  });

  it('closes a route that declares nothing: 401 without a token, 403 with any token', async () => {
    expect((await get('/forgotten')).statusCode).toBe(401);
    const response = await get(
      '/forgotten',
      await bearer([Scopes.Read, Scopes.Write, Scopes.Operate]),
    );
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({
      detail: expect.stringContaining('ForgottenController.forgotten'),
    });
  });
});
