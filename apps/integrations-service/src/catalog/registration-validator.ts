import { Inject, Injectable } from '@nestjs/common';
import { pointerToken } from '@stellaops/integrations-contracts';
import type { FieldError, Integration } from '@stellaops/integrations-core';
import { AuthRef, InputError } from '@stellaops/integrations-core';
import type { IntegrationConnectorPlugin } from '@stellaops/integrations-plugin-abstractions';
import { secretSettingNames } from '@stellaops/integrations-plugin-host';
import { outboundSettingsErrors, pluginSettings } from '../plugins/outbound-settings';
import { PluginRegistry } from '../plugins/plugin-registry';
import { SecretsService } from '../secrets/secrets.service';
import { invalidInput } from './catalog-validation.pipe';
import { SettingsValidatorCache } from './settings-validator-cache';

/** What a registration (or a draft to test) asks for, after the DTO's own validation. */
export interface RegistrationRequest {
  readonly type: string;
  readonly provider: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly credentials: Readonly<Record<string, string>>;
}

/** The parts of a change that the provider's manifest governs. */
export interface ManifestGovernedChange {
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly credentials?: Readonly<Record<string, string>>;
}

/** The settings a PATCH stores, with the names of the secret ones to seal. */
export interface SettingsChange {
  /** The whole settings: the request's, with each secret setting it left out kept. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** The settings the provider's schema marks secret (`writeOnly`), sorted. */
  readonly secretSettings: readonly string[];
}

// A key that looks like a slot name is safe to show back; anything else might be pasted text.
const SHOWABLE_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Checks a registration against the loaded plugins: the provider is loaded and of the right type,
 * the settings match the manifest's JSON Schema, and the credentials fill the manifest's slots
 * with AuthRef URIs that the tenant may use (a store open to it, a variable the operator allows,
 * a path inside its folder; decided without looking the secret up). Errors never repeat a
 * credential value.
 */
@Injectable()
export class RegistrationValidator {
  // The registry compiled every loaded plugin's schema with the shared compiler at load (refusing
  // a plugin whose schema does not compile), so no request pays for it and none can fail on it.
  private readonly settings = new SettingsValidatorCache();

  constructor(
    @Inject(PluginRegistry) private readonly plugins: PluginRegistry,
    @Inject(SecretsService) private readonly secrets: SecretsService,
  ) {}

  /**
   * The plugin that serves `request` of `tenantId`; throws an InputError listing every problem
   * found.
   */
  validateRegistration(request: RegistrationRequest, tenantId: string): IntegrationConnectorPlugin {
    const plugin = this.pluginFor(request.type, request.provider);
    const errors = [
      ...outboundSettingsErrors(request.settings),
      ...this.settings.errors(plugin.manifest.settingsSchema, pluginSettings(request.settings)),
      ...this.credentialErrors(plugin, request.credentials, tenantId),
    ];
    if (errors.length > 0) throw invalidInput('the registration is invalid', errors);
    return plugin;
  }

  /**
   * The settings `plugin`'s schema marks secret: its top-level properties with `writeOnly: true`,
   * sorted. The repository seals them at rest, and responses leave them out.
   */
  secretSettings(plugin: IntegrationConnectorPlugin): readonly string[] {
    return secretSettingNames(plugin.manifest.settingsSchema);
  }

  /**
   * What a PATCH's `settings` makes of a saved registration's settings. The client cannot read a
   * secret setting back to send it again, so one it leaves out keeps its stored value, and `null`
   * for one removes it (the schema then says whether it may be absent); any other value replaces
   * it. Other settings are as given, `null` included. The result is checked by `validateChange`
   * (which refuses a change of settings when the provider is not loaded: until then the names
   * stored with the registration stand in for its schema's).
   * @throws InputError (400) when a secret setting left out is stored but cannot be decrypted
   * (it cannot be kept: send it again, or null)
   */
  settingsChange(
    current: Integration,
    requested: Readonly<Record<string, unknown>>,
  ): SettingsChange {
    const plugin = this.plugins.get(current.type, current.provider);
    const secretSettings =
      plugin === undefined ? current.secretSettings : this.secretSettings(plugin);
    const given = Object.entries(requested).filter(
      ([name, value]) => !(value === null && secretSettings.includes(name)),
    );
    const kept: [string, unknown][] = [];
    const errors: FieldError[] = [];
    for (const name of secretSettings) {
      if (Object.hasOwn(requested, name)) continue;
      if (Object.hasOwn(current.settings, name)) {
        kept.push([name, current.settings[name]]);
      } else if (current.secretSettings.includes(name)) {
        errors.push({
          path: `/settings/${pointerToken(name)}`,
          message:
            'is a secret setting whose stored value cannot be decrypted with the configured keys, so it cannot be kept: send it again, or null to remove it',
        });
      }
    }
    // fromEntries defines each name as an own property, whatever it is (`__proto__` too).
    const settings = Object.fromEntries([...given, ...kept]);
    if (errors.length > 0) throw invalidInput('the change is invalid', errors);
    return { settings, secretSettings };
  }

  /** Checks new settings or credentials of a saved registration against its provider. */
  validateChange(current: Integration, change: ManifestGovernedChange): void {
    if (change.settings === undefined && change.credentials === undefined) return;
    const plugin = this.loadedPluginOf(
      current,
      change.settings === undefined ? '/credentials' : '/settings',
    );
    const errors = [
      ...(change.settings === undefined
        ? []
        : [
            ...outboundSettingsErrors(change.settings),
            ...this.settings.errors(
              plugin.manifest.settingsSchema,
              pluginSettings(change.settings),
            ),
          ]),
      ...(change.credentials === undefined
        ? []
        : this.credentialErrors(plugin, change.credentials, current.tenantId)),
    ];
    if (errors.length > 0) throw invalidInput('the change is invalid', errors);
  }

  /** The plugin of a saved registration, or a 400 at `path`: what it governs cannot be checked. */
  private loadedPluginOf(current: Integration, path: string): IntegrationConnectorPlugin {
    const plugin = this.plugins.get(current.type, current.provider);
    if (plugin !== undefined) return plugin;
    throw invalidInput('the change cannot be checked', [
      {
        path,
        message: `cannot be checked because provider ${current.provider} is not loaded in this service`,
      },
    ]);
  }

  private pluginFor(type: string, provider: string): IntegrationConnectorPlugin {
    const plugin = this.plugins.get(type, provider);
    if (plugin !== undefined) return plugin;
    const loaded = this.plugins.list();
    const types = loaded.filter((each) => each.provider === provider).map((each) => each.type);
    if (types.length > 0) {
      throw invalidInput('the registration is invalid', [
        {
          path: '/type',
          message: `does not match provider ${provider}, whose type is ${types.join(' or ')}`,
        },
      ]);
    }
    const providers = [...new Set(loaded.map((each) => each.provider))].sort();
    throw invalidInput('the registration is invalid', [
      {
        path: '/provider',
        message: `is not a provider loaded in this service; loaded providers: ${
          providers.length > 0 ? providers.join(', ') : '(none)'
        }`,
      },
    ]);
  }

  private credentialErrors(
    plugin: IntegrationConnectorPlugin,
    credentials: Readonly<Record<string, string>>,
    tenantId: string,
  ): FieldError[] {
    const slots = plugin.manifest.credentialSlots;
    const slotNames = new Set(slots.map((slot) => slot.name));
    const allowed = slots.length > 0 ? slots.map((slot) => slot.name).join(', ') : '(none)';
    const errors: FieldError[] = [];
    for (const [key, value] of Object.entries(credentials)) {
      if (!slotNames.has(key)) {
        errors.push({
          path: SHOWABLE_KEY.test(key) ? `/credentials/${pointerToken(key)}` : '/credentials',
          message: `is not a credential slot of provider ${plugin.provider}; its slots are: ${allowed}`,
        });
        continue;
      }
      const path = `/credentials/${pointerToken(key)}`;
      let ref: AuthRef;
      try {
        ref = AuthRef.parse(value, path);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        errors.push(...error.errors);
        continue;
      }
      const refusal = this.secrets.refusal(tenantId, ref);
      if (refusal !== undefined) errors.push({ path, message: refusal });
    }
    for (const slot of slots) {
      if (slot.required && !Object.hasOwn(credentials, slot.name)) {
        errors.push({
          path: `/credentials/${pointerToken(slot.name)}`,
          message: `is required by provider ${plugin.provider} (${slot.description})`,
        });
      }
    }
    return errors;
  }
}
