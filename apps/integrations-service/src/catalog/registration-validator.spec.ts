import type { FieldError } from '@stellaops/integrations-core';
import { InputError } from '@stellaops/integrations-core';
import type { IntegrationConnectorPlugin } from '@stellaops/integrations-plugin-abstractions';
import { createInMemoryPlugin } from '@stellaops/integrations-plugin-in-memory';
import { anIntegration } from '@stellaops/integrations-testing';
import type { PluginRegistry } from '../plugins/plugin-registry';
import type { Database } from '@stellaops/integrations-persistence';
import { loadServiceConfig } from '../config/service-config';
import { EnvAllowList } from '../secrets/env-allow-list';
import { ENV_NOT_ALLOWED, EnvSecretResolver } from '../secrets/env-secret-resolver';
import { FileSecretResolver } from '../secrets/file-secret-resolver';
import { SecretsService } from '../secrets/secrets.service';
import type { RegistrationRequest } from './registration-validator';
import { RegistrationValidator } from './registration-validator';

function aPlugin(
  type: string,
  provider: string,
  overrides: Partial<IntegrationConnectorPlugin['manifest']> = {},
): IntegrationConnectorPlugin {
  const base = createInMemoryPlugin();
  return Object.assign(Object.create(base) as IntegrationConnectorPlugin, {
    type,
    provider,
    name: provider,
    manifest: { ...base.manifest, ...overrides },
  });
}

const github = aPlugin('scm', 'github-app', {
  settingsSchema: {
    type: 'object',
    required: ['appId'],
    additionalProperties: false,
    properties: { appId: { type: 'integer', minimum: 1 } },
  },
  credentialSlots: [
    { name: 'privateKey', description: 'the App private key', required: true },
    { name: 'webhookSecret', description: 'optional', required: false },
  ],
});
const harbor = aPlugin('registry', 'harbor');
const inMemory = createInMemoryPlugin();

const TENANT = 'acme';

function validatorWith(plugins: IntegrationConnectorPlugin[], tenantStores?: string) {
  const registry = {
    list: () => plugins,
    get: (type: string, provider: string) =>
      plugins.find((plugin) => plugin.type === type && plugin.provider === provider),
  } as unknown as PluginRegistry;
  // The real policy: registration refuses what resolution would, without a database or a disk.
  const secrets = new SecretsService(
    [
      new EnvSecretResolver(new EnvAllowList(['GITHUB_APP_*', 'W']), {}),
      new FileSecretResolver('/nonexistent'),
    ],
    {} as Database,
    loadServiceConfig(tenantStores === undefined ? {} : { SECRETS_TENANT_STORES: tenantStores }),
  );
  return new RegistrationValidator(registry, secrets);
}

const validator = validatorWith([github, harbor, inMemory]);

const valid: RegistrationRequest = {
  type: 'scm',
  provider: 'github-app',
  settings: { appId: 12 },
  credentials: { privateKey: 'authref://env/GITHUB_APP_KEY' },
};

const FORBIDDEN_REFERENCES = [
  'authref://env/AUTH_JWT_SECRET',
  'authref://env/DATABASE_URL',
  'authref://env/PATH',
  'authref://env/GITHUB_TOKEN',
  'authref://env/GITHUB_APP_KEY/x',
];

function errorsOf(action: () => unknown): FieldError[] {
  try {
    action();
  } catch (error) {
    if (error instanceof InputError) return [...error.errors];
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('RegistrationValidator.validateRegistration', () => {
  it("returns the provider's plugin for a valid registration", () => {
    expect(validator.validateRegistration(valid, TENANT)).toBe(github);
  });

  it('names the loaded providers when the provider is unknown', () => {
    const errors = errorsOf(() =>
      validator.validateRegistration({ ...valid, provider: 'bitbucket' }, TENANT),
    );
    expect(errors).toEqual([
      {
        path: '/provider',
        message:
          'is not a provider loaded in this service; loaded providers: github-app, harbor, in-memory',
      },
    ]);
  });

  it("refuses a type that is not the provider's", () => {
    const errors = errorsOf(() =>
      validator.validateRegistration({ ...valid, type: 'registry' }, TENANT),
    );
    expect(errors).toEqual([
      { path: '/type', message: 'does not match provider github-app, whose type is scm' },
    ]);
  });

  it('validates settings against the manifest schema, with paths under /settings', () => {
    const errors = errorsOf(() =>
      validator.validateRegistration({ ...valid, settings: { appId: 0, other: true } }, TENANT),
    );
    expect(errors).toEqual([
      { path: '/settings/other', message: 'is not a setting of this provider' },
      { path: '/settings/appId', message: 'must be >= 1' },
    ]);
  });

  it('refuses a slot the manifest does not have, naming the allowed slots', () => {
    const errors = errorsOf(() =>
      validator.validateRegistration(
        {
          ...valid,
          credentials: { ...valid.credentials, token: 'authref://env/T' },
        },
        TENANT,
      ),
    );
    expect(errors).toEqual([
      {
        path: '/credentials/token',
        message:
          'is not a credential slot of provider github-app; its slots are: privateKey, webhookSecret',
      },
    ]);
  });

  it('does not show back a key that does not look like a slot name', () => {
    const pasted = '-----BEGIN PRIVATE KEY----- MIIEvQIBADANBg';
    const errors = errorsOf(() =>
      validator.validateRegistration(
        {
          ...valid,
          credentials: { ...valid.credentials, [pasted]: 'x' },
        },
        TENANT,
      ),
    );
    expect(errors.map((error) => error.path)).toEqual(['/credentials']);
    expect(JSON.stringify(errors)).not.toContain('MIIEvQIBADANBg');
  });

  it('requires the required slots', () => {
    const errors = errorsOf(() =>
      validator.validateRegistration({ ...valid, credentials: {} }, TENANT),
    );
    expect(errors).toEqual([
      {
        path: '/credentials/privateKey',
        message: 'is required by provider github-app (the App private key)',
      },
    ]);
  });

  it('refuses a plaintext secret without repeating it anywhere', () => {
    const secret = 'ghp_0123456789abcdefSECRET';
    let thrown: unknown;
    try {
      validator.validateRegistration({ ...valid, credentials: { privateKey: secret } }, TENANT);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    const error = thrown as InputError;
    expect(error.errors.map((field) => field.path)).toEqual(['/credentials/privateKey']);
    expect(error.message).toContain('plaintext credentials are refused');
    expect(`${error.message} ${JSON.stringify(error.errors)}`).not.toContain(secret);
  });

  it('refuses an AuthRef of a store this service cannot resolve, naming the supported ones', () => {
    const errors = errorsOf(() =>
      validator.validateRegistration(
        {
          ...valid,
          credentials: { privateKey: 'authref://vault/kv/github#key' },
        },
        TENANT,
      ),
    );
    expect(errors).toEqual([
      {
        path: '/credentials/privateKey',
        message: "its AuthRef store 'vault' is not supported here (supported: env, file)",
      },
    ]);
  });

  it.each(FORBIDDEN_REFERENCES)('refuses %s, a reference the tenant may not use', (uri) => {
    const errors = errorsOf(() =>
      validator.validateRegistration({ ...valid, credentials: { privateKey: uri } }, TENANT),
    );
    expect(errors).toEqual([
      {
        path: '/credentials/privateKey',
        message: uri.endsWith('/x')
          ? 'its path is not an environment variable name (letters, digits and _, no slashes)'
          : ENV_NOT_ALLOWED,
      },
    ]);
  });

  it('refuses the file store to a tenant whose name cannot be a folder, and a store closed to the tenant', () => {
    const file = { ...valid, credentials: { privateKey: 'authref://file/github/app.pem' } };
    expect(() => validator.validateRegistration(file, TENANT)).not.toThrow();
    expect(errorsOf(() => validator.validateRegistration(file, '../globex'))).toEqual([
      {
        path: '/credentials/privateKey',
        message: expect.stringMatching(/no folder for this tenant/),
      },
    ]);
    const closed = validatorWith([github], 'acme=file;*=env');
    expect(() => closed.validateRegistration(file, TENANT)).not.toThrow();
    expect(errorsOf(() => closed.validateRegistration(valid, TENANT))).toEqual([
      {
        path: '/credentials/privateKey',
        message: expect.stringMatching(/store 'env' is not open to this tenant/),
      },
    ]);
    expect(() => closed.validateRegistration(valid, 'globex')).not.toThrow();
  });

  it('reports settings and credential problems together', () => {
    const errors = errorsOf(() =>
      validator.validateRegistration({ ...valid, settings: {}, credentials: {} }, TENANT),
    );
    expect(errors.map((error) => error.path)).toEqual([
      '/settings/appId',
      '/credentials/privateKey',
    ]);
  });
});

describe('RegistrationValidator.validateChange', () => {
  const saved = anIntegration({ type: 'scm', provider: 'github-app' });

  it('checks nothing when neither settings nor credentials change', () => {
    expect(() => validatorWith([]).validateChange(saved, {})).not.toThrow();
  });

  it('checks new settings and credentials against the saved provider', () => {
    expect(() => validator.validateChange(saved, { settings: { appId: 3 } })).not.toThrow();
    expect(errorsOf(() => validator.validateChange(saved, { settings: { appId: 'x' } }))).toEqual([
      { path: '/settings/appId', message: 'must be integer' },
    ]);
    expect(
      errorsOf(() =>
        validator.validateChange(saved, {
          credentials: {
            privateKey: 'authref://env/AUTH_JWT_SECRET',
            webhookSecret: 'authref://env/W',
          },
        }),
      ),
    ).toEqual([{ path: '/credentials/privateKey', message: ENV_NOT_ALLOWED }]);
    expect(
      errorsOf(() =>
        validator.validateChange(saved, { credentials: { webhookSecret: 'authref://env/W' } }),
      ),
    ).toEqual([
      {
        path: '/credentials/privateKey',
        message: 'is required by provider github-app (the App private key)',
      },
    ]);
  });

  it('refuses to change settings of a provider that is no longer loaded', () => {
    expect(errorsOf(() => validatorWith([]).validateChange(saved, { settings: {} }))).toEqual([
      {
        path: '/settings',
        message: 'cannot be checked because provider github-app is not loaded in this service',
      },
    ]);
  });
});

describe('RegistrationValidator secret settings', () => {
  // A provider with a required secret setting and an optional one.
  const gitlab = aPlugin('scm', 'gitlab', {
    settingsSchema: {
      type: 'object',
      required: ['webhookToken'],
      additionalProperties: false,
      properties: {
        group: { type: ['string', 'null'] },
        webhookToken: { type: 'string', minLength: 8, writeOnly: true },
        apiPassword: { type: 'string', writeOnly: true },
      },
    },
  });
  const secretive = validatorWith([gitlab, inMemory]);
  const saved = anIntegration({
    type: 'scm',
    provider: 'gitlab',
    settings: { group: 'web', webhookToken: 'stored-token', apiPassword: 'stored-password' },
    secretSettings: ['apiPassword', 'webhookToken'],
  });

  it("names the settings a plugin's schema marks writeOnly", () => {
    expect(secretive.secretSettings(gitlab)).toEqual(['apiPassword', 'webhookToken']);
    expect(secretive.secretSettings(inMemory)).toEqual(['webhookSecret']);
    expect(secretive.secretSettings(harbor)).toEqual(['webhookSecret']);
    expect(validator.secretSettings(github)).toEqual([]);
  });

  it('keeps each secret setting a PATCH leaves out, with its stored value', () => {
    expect(secretive.settingsChange(saved, { group: 'api' })).toEqual({
      settings: { group: 'api', webhookToken: 'stored-token', apiPassword: 'stored-password' },
      secretSettings: ['apiPassword', 'webhookToken'],
    });
  });

  it('replaces one given a value, removes one given null, and keeps other nulls as values', () => {
    const change = secretive.settingsChange(saved, {
      group: null,
      webhookToken: 'a-new-token',
      apiPassword: null,
    });
    expect(change.settings).toEqual({ group: null, webhookToken: 'a-new-token' });
    expect(() => secretive.validateChange(saved, change)).not.toThrow();
  });

  it('leaves it to the schema whether a removed secret setting may be absent', () => {
    const change = secretive.settingsChange(saved, { webhookToken: null });
    expect(change.settings).toEqual({ apiPassword: 'stored-password' });
    expect(errorsOf(() => secretive.validateChange(saved, change))).toEqual([
      { path: '/settings/webhookToken', message: 'is required' },
    ]);
  });

  it('validates a kept value as the schema is now, without quoting it', () => {
    const short = anIntegration({
      ...saved,
      settings: { webhookToken: 'short' },
      secretSettings: ['webhookToken'],
    });
    const change = secretive.settingsChange(short, {});
    expect(change.settings).toEqual({ webhookToken: 'short' });
    const errors = errorsOf(() => secretive.validateChange(short, change));
    expect(errors).toEqual([
      { path: '/settings/webhookToken', message: 'must NOT have fewer than 8 characters' },
    ]);
    expect(JSON.stringify(errors)).not.toContain('short"');
  });

  it('refuses to keep a secret setting whose stored value cannot be decrypted', () => {
    const unreadable = anIntegration({
      ...saved,
      settings: { group: 'web', apiPassword: 'stored-password' },
      settingsUnreadable: 'the sealed value "settings.webhookToken" of integration x failed',
    });
    expect(errorsOf(() => secretive.settingsChange(unreadable, { group: 'api' }))).toEqual([
      {
        path: '/settings/webhookToken',
        message:
          'is a secret setting whose stored value cannot be decrypted with the configured keys, so it cannot be kept: send it again, or null to remove it',
      },
    ]);
    // Sent again, or removed: nothing needs the stored value.
    expect(
      secretive.settingsChange(unreadable, { group: 'api', webhookToken: 'a-new-token' }).settings,
    ).toEqual({ group: 'api', webhookToken: 'a-new-token', apiPassword: 'stored-password' });
    expect(secretive.settingsChange(unreadable, { webhookToken: null }).settings).toEqual({
      apiPassword: 'stored-password',
    });
  });

  it('keeps what the registration stored as secret while its provider is not loaded; a change is still refused', () => {
    const unloaded = validatorWith([]);
    const same = unloaded.settingsChange(saved, { group: 'web' });
    expect(same).toEqual({ settings: saved.settings, secretSettings: saved.secretSettings });
    const changed = unloaded.settingsChange(saved, { group: 'api' });
    expect(errorsOf(() => unloaded.validateChange(saved, changed))).toEqual([
      {
        path: '/settings',
        message: 'cannot be checked because provider gitlab is not loaded in this service',
      },
    ]);
  });
});
