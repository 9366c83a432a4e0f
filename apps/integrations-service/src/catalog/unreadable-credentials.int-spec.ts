import { randomBytes } from 'node:crypto';
import type { TestApp } from '../testing/test-app';
import { startTestApp } from '../testing/test-app';
import { createTestBackend } from '../testing/test-backend';
import { inMemoryDraft } from '../testing/in-memory-draft';

const ANOTHER_KEY = randomBytes(32).toString('base64');

function draft(name: string) {
  return inMemoryDraft({ name, settings: { latencyMs: 1 } });
}

describe('registrations whose credentials cannot be decrypted', () => {
  it('are listed and marked; only test and health check fail, with phase config', async () => {
    const backend = await createTestBackend();
    let t: TestApp | undefined;
    try {
      t = await startTestApp({ backend });
      const rotated = await t.request('POST', '/api/v1/integrations', { body: draft('a-rotated') });
      expect(rotated.status).toBe(201);
      expect(rotated.body.credentialsReadable).toBe(true);
      await t.close();
      t = undefined;

      // The service comes back with another key: what was sealed under the first stays sealed.
      t = await startTestApp({ backend, env: { CREDENTIALS_ENCRYPTION_KEY: ANOTHER_KEY } });
      const fresh = await t.request('POST', '/api/v1/integrations', { body: draft('b-fresh') });
      expect(fresh.status).toBe(201);

      const list = await t.request('GET', '/api/v1/integrations');
      expect(list.status).toBe(200);
      expect(
        list.body.items.map((item: { name: string; credentialsReadable: boolean }) => [
          item.name,
          item.credentialsReadable,
        ]),
      ).toEqual([
        ['a-rotated', false],
        ['b-fresh', true],
      ]);
      expect(list.body.items[0].credentials).toEqual({});
      const one = await t.request('GET', `/api/v1/integrations/${rotated.body.id}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ credentialsReadable: false, credentials: {} });

      for (const path of ['test', 'health/check']) {
        const check = await t.request('POST', `/api/v1/integrations/${rotated.body.id}/${path}`);
        expect(check.status).toBe(200);
        expect(check.body).toMatchObject({ success: false, phase: 'config', isTransient: false });
        expect(check.body.message).toMatch(/restore the key/);
        expect(check.body.message).toMatch(/register the credentials again/);
        // No fingerprint or stored value of the key reaches the caller.
        expect(check.text).not.toMatch(/fingerprint|\$encrypted/);
      }
      const healthyFresh = await t.request('POST', `/api/v1/integrations/${fresh.body.id}/test`);
      expect(healthyFresh.body).toMatchObject({ success: true });

      // Registering the credentials again seals them under the key now configured.
      const patched = await t.request('PATCH', `/api/v1/integrations/${rotated.body.id}`, {
        body: { credentials: { token: 'authref://env/E2E_TOKEN' } },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        credentialsReadable: true,
        credentials: { token: 'authref://env/E2E_TOKEN' },
      });
    } finally {
      await t?.close();
      await backend.dispose();
    }
  }, 90_000);
});
