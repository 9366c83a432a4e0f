import { Inject, Injectable } from '@nestjs/common';
import type { IntegrationConfig } from '@stellaops/integrations-plugin-abstractions';
import type { ResolvingSecretAccessor } from '../secrets/resolving-secret-accessor';
import { SecretsService } from '../secrets/secrets.service';
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
  readonly settings: Record<string, unknown>;
  /** Credential slot -> AuthRef URI. */
  readonly credentials: Record<string, string>;
  /** Who the secret resolutions are audited for. */
  readonly actor: string;
}

/** An `IntegrationConfig` whose `secrets` also tell the host which values to redact. */
export type HostedIntegrationConfig = IntegrationConfig & {
  readonly secrets: ResolvingSecretAccessor;
};

/**
 * Builds what a plugin is handed for one registration and one operation: its settings, a
 * `secrets` accessor that resolves (and audits) at call time, and a host whose logger carries the
 * registration's fields and redacts every secret this accessor has resolved.
 */
@Injectable()
export class IntegrationConfigFactory {
  constructor(
    @Inject(SecretsService) private readonly secrets: SecretsService,
    @Inject(PluginHostFactory) private readonly hosts: PluginHostFactory,
    @Inject(PluginRegistry) private readonly plugins: PluginRegistry,
  ) {}

  create(input: IntegrationConfigInput): HostedIntegrationConfig {
    const secrets = this.secrets.accessorFor(
      { tenantId: input.tenantId, integrationId: input.integrationId, actor: input.actor },
      input.credentials,
    );
    const pluginName = this.plugins.get(input.type, input.provider)?.name ?? input.provider;
    const host = this.hosts.create({
      context: `plugin:${pluginName}`,
      fields: { integrationId: input.integrationId, provider: input.provider },
      secrets: () => secrets.resolvedValues(),
    });
    return Object.freeze({
      integrationId: input.integrationId,
      tenantId: input.tenantId,
      name: input.name,
      type: input.type,
      provider: input.provider,
      endpoint: input.endpoint,
      settings: input.settings,
      secrets,
      host,
    });
  }
}
