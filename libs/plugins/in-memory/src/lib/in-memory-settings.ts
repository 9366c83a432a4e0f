import type { JsonSchema } from '@stellaops/integrations-plugin-abstractions';
import { ProviderError } from '@stellaops/integrations-plugin-abstractions';

export const IN_MEMORY_HEALTH_VALUES = ['healthy', 'degraded', 'unhealthy'] as const;
export type InMemoryHealth = (typeof IN_MEMORY_HEALTH_VALUES)[number];

export const MAX_IN_MEMORY_LATENCY_MS = 60_000;

/** What an in-memory registration simulates. */
export interface InMemorySettings {
  /** What a test or check reports once the simulated failures are spent. Default `healthy`. */
  readonly health: InMemoryHealth;
  /** How long each test or check takes. Default 0. */
  readonly latencyMs: number;
  /** How many calls fail (transiently, in the connect phase) before `health` is reported. */
  readonly failTimes: number;
  /**
   * Whether the secret setting `webhookSecret` was given. It exists to exercise the host's
   * secret settings (sealed at rest, never shown): its value is neither used nor kept.
   */
  readonly webhookSecretPresent: boolean;
}

/** The in-memory plugin's one secret setting (`writeOnly` in its schema). */
export const IN_MEMORY_WEBHOOK_SECRET = 'webhookSecret';

const SETTING_NAMES = ['health', 'latencyMs', 'failTimes', IN_MEMORY_WEBHOOK_SECRET];

// No `$schema`: the document is valid draft-07 and 2020-12 alike, so any host validator takes it.
export const IN_MEMORY_SETTINGS_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    health: {
      type: 'string',
      enum: [...IN_MEMORY_HEALTH_VALUES],
      default: 'healthy',
      description: 'What a test or check reports once the simulated failures are spent.',
    },
    latencyMs: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_IN_MEMORY_LATENCY_MS,
      default: 0,
      description: 'How long each test or check takes, in milliseconds.',
    },
    failTimes: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description: 'How many calls fail, transiently, before `health` is reported.',
    },
    [IN_MEMORY_WEBHOOK_SECRET]: {
      type: 'string',
      minLength: 1,
      writeOnly: true,
      description:
        'Optional secret setting, encrypted at rest and never shown. Not used: a test or check reports only whether it is set (`webhookSecretPresent`).',
    },
  },
  additionalProperties: false,
};

/**
 * Reads settings that the host has validated against `IN_MEMORY_SETTINGS_SCHEMA`, and checks them
 * again so that a direct caller gets a `config` failure rather than undefined behaviour.
 */
export function parseInMemorySettings(raw: Readonly<Record<string, unknown>>): InMemorySettings {
  const unknownKeys = Object.keys(raw).filter((key) => !SETTING_NAMES.includes(key));
  if (unknownKeys.length > 0) {
    throw configError(
      `unknown setting(s) ${unknownKeys.join(', ')}: use ${SETTING_NAMES.join(', ')}`,
    );
  }
  const health = raw['health'] ?? 'healthy';
  if (!(IN_MEMORY_HEALTH_VALUES as readonly unknown[]).includes(health)) {
    throw configError(`settings.health must be one of ${IN_MEMORY_HEALTH_VALUES.join(', ')}`);
  }
  const latencyMs = raw['latencyMs'] ?? 0;
  if (!isIntegerIn(latencyMs, 0, MAX_IN_MEMORY_LATENCY_MS)) {
    throw configError(
      `settings.latencyMs must be an integer from 0 to ${MAX_IN_MEMORY_LATENCY_MS}`,
    );
  }
  const failTimes = raw['failTimes'] ?? 0;
  if (!isIntegerIn(failTimes, 0, Number.MAX_SAFE_INTEGER)) {
    throw configError('settings.failTimes must be an integer of 0 or more');
  }
  const webhookSecret = raw[IN_MEMORY_WEBHOOK_SECRET];
  if (webhookSecret !== undefined && (typeof webhookSecret !== 'string' || webhookSecret === '')) {
    // Says what is wrong with it, never what it is.
    throw configError(`settings.${IN_MEMORY_WEBHOOK_SECRET} must be a non-empty string`);
  }
  return {
    health: health as InMemoryHealth,
    latencyMs,
    failTimes,
    webhookSecretPresent: webhookSecret !== undefined,
  };
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

function configError(message: string): ProviderError {
  return new ProviderError(`in-memory: ${message}`, { phase: 'config', isTransient: false });
}
