import { Logger } from '@nestjs/common';
import type { FieldError } from '@stellaops/integrations-core';
import { InputError } from '@stellaops/integrations-core';
import type { IntegrationConnectorPlugin } from '@stellaops/integrations-plugin-abstractions';
import { createInMemoryPlugin } from '@stellaops/integrations-plugin-in-memory';
import { anIntegration } from '@stellaops/integrations-testing';
import type { PluginRegistry } from '../plugins/plugin-registry';
import type { SecretsService } from '../secrets/secrets.service';
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

function validatorWith(plugins: IntegrationConnectorPlugin[], stores = ['env', 'file']) {
  const registry = {
    list: () => plugins,
    get: (type: string, provider: string) =>
      plugins.find((plugin) => plugin.type === type && plugin.provider === provider),
  } as unknown as PluginRegistry;
  const secrets = { supportedStores: () => stores } as unknown as SecretsService;
  return new RegistrationValidator(registry, secrets);
}

const validator = validatorWith([github, harbor, inMemory]);

const valid: RegistrationRequest = {
  type: 'scm',
  provider: 'github-app',
  settings: { appId: 12 },
  credentials: { privateKey: 'authref://env/GITHUB_APP_KEY' },
};

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
    expect(validator.validateRegistration(valid)).toBe(github);
  });

  it('names the loaded providers when the provider is unknown', () => {
    const errors = errorsOf(() =>
      validator.validateRegistration({ ...valid, provider: 'bitbucket' }),
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
    const errors = errorsOf(() => validator.validateRegistration({ ...valid, type: 'registry' }));
    expect(errors).toEqual([
      { path: '/type', message: 'does not match provider github-app, whose type is scm' },
    ]);
  });

  it('validates settings against the manifest schema, with paths under /settings', () => {
    const errors = errorsOf(() =>
      validator.validateRegistration({ ...valid, settings: { appId: 0, other: true } }),
    );
    expect(errors).toEqual([
      { path: '/settings/other', message: 'is not a setting of this provider' },
      { path: '/settings/appId', message: 'must be >= 1' },
    ]);
  });

  it('refuses a slot the manifest does not have, naming the allowed slots', () => {
    const errors = errorsOf(() =>
      validator.validateRegistration({
        ...valid,
        credentials: { ...valid.credentials, token: 'authref://env/T' },
      }),
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
      validator.validateRegistration({
        ...valid,
        credentials: { ...valid.credentials, [pasted]: 'x' },
      }),
    );
    expect(errors.map((error) => error.path)).toEqual(['/credentials']);
    expect(JSON.stringify(errors)).not.toContain('MIIEvQIBADANBg');
  });

  it('requires the required slots', () => {
    const errors = errorsOf(() => validator.validateRegistration({ ...valid, credentials: {} }));
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
      validator.validateRegistration({ ...valid, credentials: { privateKey: secret } });
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
      validator.validateRegistration({
        ...valid,
        credentials: { privateKey: 'authref://vault/kv/github#key' },
      }),
    );
    expect(errors).toEqual([
      {
        path: '/credentials/privateKey',
        message: 'names an AuthRef store this service cannot resolve; supported stores: env, file',
      },
    ]);
  });

  it('reports settings and credential problems together', () => {
    const errors = errorsOf(() =>
      validator.validateRegistration({ ...valid, settings: {}, credentials: {} }),
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

describe('RegistrationValidator.onModuleInit', () => {
  it('warns about a plugin whose schema does not compile instead of failing the start', () => {
    const broken = aPlugin('ci', 'broken', {
      settingsSchema: { type: 'object', properties: { a: { type: 'nope' } } },
    });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(() => validatorWith([broken, inMemory]).onModuleInit()).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toContain('plugin broken does not compile');
    warn.mockRestore();
  });
});
