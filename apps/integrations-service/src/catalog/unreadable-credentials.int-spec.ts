import { randomBytes } from 'node:crypto';
import type { TestApp } from '../testing/test-app';
import { startTestApp } from '../testing/test-app';
import { createTestBackend } from '../testing/test-backend';
import { inMemoryDraft } from '../testing/in-memory-draft';

const ANOTHER_KEY = randomBytes(32).toString('base64');

function draft(name: string) {
  return inMemoryDraft({ name, settings: { latencyMs: 1 } });
}

describe('registrations whose credentials or secret settings cannot be decrypted', () => {
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

  it('a secret setting sealed under another key: marked, checks fail naming it, a PATCH must send it again', async () => {
    process.env['E2E_SEALED_SETTING_TOKEN'] = 'e2e-token-value';
    const backend = await createTestBackend();
    let t: TestApp | undefined;
    try {
      t = await startTestApp({ backend });
      const saved = await t.request('POST', '/api/v1/integrations', {
        body: inMemoryDraft({
          name: 'sealed-setting',
          settings: { latencyMs: 1, webhookSecret: 'whsec-under-the-first-key' },
        }),
      });
      expect(saved.status).toBe(201);
      await t.close();
      t = undefined;

      t = await startTestApp({ backend, env: { CREDENTIALS_ENCRYPTION_KEY: ANOTHER_KEY } });
      const path = `/api/v1/integrations/${saved.body.id}`;
      // The credentials registered again: only the setting is left under the first key.
      const credentials = await t.request('PATCH', path, {
        body: { credentials: { token: 'authref://env/E2E_SEALED_SETTING_TOKEN' } },
      });
      expect(credentials.body).toMatchObject({
        credentialsReadable: true,
        settingsReadable: false,
        secretSettings: ['webhookSecret'],
        settings: { latencyMs: 1 },
      });
      const list = await t.request('GET', '/api/v1/integrations');
      expect(list.status).toBe(200);
      expect(list.body.items).toEqual([credentials.body]);

      for (const check of ['test', 'health/check']) {
        const result = await t.request('POST', `${path}/${check}`);
        expect(result.status).toBe(200);
        expect(result.body).toMatchObject({ success: false, phase: 'config', isTransient: false });
        expect(result.body.message).toMatch(
          /^the stored secret setting settings\.webhookSecret of this integration cannot be decrypted/,
        );
        expect(result.text).not.toMatch(/whsec-under|\$encrypted|fingerprint/);
      }

      // It cannot be kept through a change of settings; sent again, it is sealed anew.
      const refused = await t.request('PATCH', path, { body: { settings: { latencyMs: 2 } } });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([
        {
          path: '/settings/webhookSecret',
          message: expect.stringMatching(/cannot be decrypted .* send it again, or null/),
        },
      ]);
      const resent = await t.request('PATCH', path, {
        body: { settings: { latencyMs: 2, webhookSecret: 'whsec-again' } },
      });
      expect(resent.body).toMatchObject({ settingsReadable: true, settings: { latencyMs: 2 } });
      const tested = await t.request('POST', `${path}/test`);
      expect(tested.body).toMatchObject({ success: true, details: { webhookSecretPresent: true } });
    } finally {
      delete process.env['E2E_SEALED_SETTING_TOKEN'];
      await t?.close();
      await backend.dispose();
    }
  }, 90_000);
});
