import { Inject, Injectable, Logger } from '@nestjs/common';
import type { IntegrationConfig } from '@stellaops/integrations-plugin-abstractions';
import type { CallTiming, OutboundTlsOptions } from '@stellaops/integrations-plugin-host';
import type { SecretPurpose } from '../secrets/secret-access-context';
import type { ResolvingSecretAccessor } from '../secrets/resolving-secret-accessor';
import { SecretsService } from '../secrets/secrets.service';
import { outboundSettingsOf, pluginSettings } from './outbound-settings';
import { PluginHostFactory } from './plugin-host-factory';
import { PluginRegistry } from './plugin-registry';

export interface IntegrationConfigInput {
  /** `null` for a draft tested before it is saved. */
  readonly integrationId: string | null;
  readonly tenantId: string;
  readonly name: string;
  readonly type: string;
  readonly provider: string;
  readonly endpoint: string;
  /** As registered: the plugin's settings and the host's `outbound` key. */
  readonly settings: Record<string, unknown>;
  /**
   * The settings the plugin's schema marks secret: handed to the plugin like the others, and
   * redacted from what it logs and returns like a resolved credential.
   */
  readonly secretSettings: readonly string[];
  /** Credential slot -> AuthRef URI. */
  readonly credentials: Record<string, string>;
  /** Who the secret resolutions are audited for. */
  readonly actor: string;
  /** What they are resolved for (audited with each). */
  readonly purpose: SecretPurpose;
}

/** An `IntegrationConfig` whose `secrets` also tell the host which values to redact. */
export type HostedIntegrationConfig = IntegrationConfig & {
  readonly secrets: ResolvingSecretAccessor;
};

// The reserved slot a registration's `settings.outbound.caRef` is resolved through, so that it
// is read in the tenant's scope and audited like any credential.
const CA_SLOT = 'settings.outbound.caRef';

/**
 * The texts of the secret settings a plugin is handed, to redact: each string value, and each
 * string inside an object or array value. Other values (a number, a boolean) are left: redacting
 * `42` wherever it appears would garble every line and hide nothing.
 */
export function secretSettingTexts(
  settings: Readonly<Record<string, unknown>>,
  secretSettings: readonly string[],
): string[] {
  const texts = new Set<string>();
  const collect = (value: unknown, depth: number): void => {
    if (typeof value === 'string') {
      if (value !== '') texts.add(value);
    } else if (typeof value === 'object' && value !== null && depth < MAX_SECRET_DEPTH) {
      for (const item of Object.values(value)) collect(item, depth + 1);
    }
  };
  for (const name of secretSettings) {
    if (Object.hasOwn(settings, name)) collect(settings[name], 0);
  }
  return [...texts];
}

// Settings are validated JSON (at most ContractLimits.maxJsonDepth deep); this only bounds the walk.
const MAX_SECRET_DEPTH = 32;

/**
 * Builds what a plugin is handed for one registration and one operation: its settings, a
 * `secrets` accessor that resolves (and audits) at call time, and a host whose logger carries the
 * registration's fields and redacts every secret this accessor has resolved (and the values of
 * the secret settings), and whose `fetch`
 * and agents carry the registration's TLS and proxy choice and record each call's timing.
 */
@Injectable()
export class IntegrationConfigFactory {
  private readonly logger = new Logger('Plugins');
  private readonly calls = new WeakMap<IntegrationConfig, CallTiming[]>();

  constructor(
    @Inject(SecretsService) private readonly secrets: SecretsService,
    @Inject(PluginHostFactory) private readonly hosts: PluginHostFactory,
    @Inject(PluginRegistry) private readonly plugins: PluginRegistry,
  ) {}

  create(input: IntegrationConfigInput): HostedIntegrationConfig {
    const context = {
      tenantId: input.tenantId,
      integrationId: input.integrationId,
      actor: input.actor,
      purpose: input.purpose,
    };
    const secrets = this.secrets.accessorFor(
      context,
      input.credentials,
      secretSettingTexts(input.settings, input.secretSettings),
    );
    const outbound = outboundSettingsOf(input.settings);
    const tls: { ca?: OutboundTlsOptions['ca']; insecureSkipVerify?: boolean } = {};
    if (outbound.ca !== undefined) tls.ca = outbound.ca;
    if (outbound.caRef !== undefined) {
      const caAccessor = this.secrets.accessorFor(context, { [CA_SLOT]: outbound.caRef });
      tls.ca = () => caAccessor.get(CA_SLOT);
    }
    if (outbound.insecureSkipVerify === true) {
      tls.insecureSkipVerify = true;
      this.logger.warn(
        `TLS certificate verification is off for integration ${input.integrationId ?? '(draft)'} (${input.provider}): settings.outbound.insecureSkipVerify is true`,
      );
    }
    const calls: CallTiming[] = [];
    const plugin = this.plugins.get(input.type, input.provider);
    const pluginName = plugin?.name ?? input.provider;
    const timeoutMs = plugin?.manifest.checkTimeoutMs;
    const host = this.hosts.create({
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      context: `plugin:${pluginName}`,
      fields: { integrationId: input.integrationId, provider: input.provider },
      secrets: () => secrets.resolvedValues(),
      outbound: {
        tls,
        ...(outbound.proxy === false ? { useProxy: false } : {}),
        onCall: (timing) => calls.push(timing),
      },
    });
    const config: HostedIntegrationConfig = Object.freeze({
      integrationId: input.integrationId,
      tenantId: input.tenantId,
      name: input.name,
      type: input.type,
      provider: input.provider,
      endpoint: input.endpoint,
      settings: pluginSettings(input.settings),
      secrets,
      host,
    });
    this.calls.set(config, calls);
    return config;
  }

  /** The timing of every outbound call made with `config` so far, oldest first. */
  outboundCalls(config: IntegrationConfig): readonly CallTiming[] {
    return [...(this.calls.get(config) ?? [])];
  }
}
