import { jwtVerify } from 'jose';
import { hs256Token } from './hs256-token.mjs';

describe('hs256Token', () => {
  const secret = 'a-bench-secret-that-is-at-least-32-bytes-long';

  it('makes a token that a standard verifier accepts with the claims given', async () => {
    const now = Date.now();
    const token = hs256Token(
      secret,
      { sub: 'bench', tenant: 't1', scope: 'integrations:read' },
      now,
    );
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({ sub: 'bench', tenant: 't1', scope: 'integrations:read' });
    expect(payload.exp).toBe(Math.floor(now / 1000) + 3600);
  });

  it('is refused under another key', async () => {
    const token = hs256Token(secret, { sub: 'bench' });
    await expect(
      jwtVerify(token, new TextEncoder().encode(`${secret}-other`), { algorithms: ['HS256'] }),
    ).rejects.toThrow();
  });
});
