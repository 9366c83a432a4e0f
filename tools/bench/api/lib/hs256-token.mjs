import { createHmac } from 'node:crypto';

function base64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  );
}

/**
 * Signs an HS256 JWT with node:crypto, so that the harness depends on nothing the service does
 * not: the service verifies it with its own library, which is what a real caller exercises.
 */
export function hs256Token(secret, claims, now = Date.now()) {
  const issuedAt = Math.floor(now / 1000);
  const header = base64url({ alg: 'HS256', typ: 'JWT' });
  const payload = base64url({ iat: issuedAt, exp: issuedAt + 3600, ...claims });
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
