import { X509Certificate } from 'node:crypto';
import type { FieldError } from '@stellaops/integrations-core';
import { AuthRef } from '@stellaops/integrations-core';

/**
 * The settings key the host reserves on every registration for how its calls leave the service;
 * it is checked here, kept out of the plugin's settings schema and never shown to the plugin:
 *
 * ```json
 * "settings": { "outbound": { "ca": "-----BEGIN CERTIFICATE-----…", "insecureSkipVerify": false, "proxy": true } }
 * ```
 */
export const OUTBOUND_SETTINGS_KEY = 'outbound';

export interface OutboundSettings {
  /** PEM certificates trusted besides the public roots. */
  readonly ca?: string;
  /** The same through an AuthRef, resolved in the registration's tenant at call time. */
  readonly caRef?: string;
  /** Certificate verification off: explicit, logged at every operation, visible on the registration. */
  readonly insecureSkipVerify?: boolean;
  /** `false`: go direct even when the service has HTTPS_PROXY/HTTP_PROXY. Default `true`. */
  readonly proxy?: boolean;
}

const KEYS = new Set(['ca', 'caRef', 'insecureSkipVerify', 'proxy']);
const PATH = `/settings/${OUTBOUND_SETTINGS_KEY}`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pemErrors(pem: string): FieldError[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    return [
      { path: `${PATH}/ca`, message: 'must hold PEM certificates (-----BEGIN CERTIFICATE-----)' },
    ];
  }
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return [
        {
          path: `${PATH}/ca`,
          message: `certificate ${index + 1} is not a valid X.509 certificate`,
        },
      ];
    }
  }
  return [];
}

/** The problems of `settings.outbound`; none when it is absent. */
export function outboundSettingsErrors(settings: Readonly<Record<string, unknown>>): FieldError[] {
  const value = settings[OUTBOUND_SETTINGS_KEY];
  if (value === undefined) return [];
  if (!isRecord(value)) return [{ path: PATH, message: 'must be an object' }];
  const errors: FieldError[] = Object.keys(value)
    .filter((key) => !KEYS.has(key))
    .map(() => ({
      path: PATH,
      message: 'may only hold ca, caRef, insecureSkipVerify and proxy',
    }))
    .slice(0, 1);
  const { ca, caRef, insecureSkipVerify, proxy } = value;
  if (ca !== undefined) {
    if (typeof ca !== 'string') errors.push({ path: `${PATH}/ca`, message: 'must be a string' });
    else errors.push(...pemErrors(ca));
  }
  if (caRef !== undefined && !AuthRef.isAuthRef(caRef)) {
    errors.push({
      path: `${PATH}/caRef`,
      message: 'must be an AuthRef URI (authref://<store>/<path>)',
    });
  }
  if (ca !== undefined && caRef !== undefined) {
    errors.push({ path: PATH, message: 'takes ca or caRef, not both' });
  }
  for (const [key, flag] of [
    ['insecureSkipVerify', insecureSkipVerify],
    ['proxy', proxy],
  ] as const) {
    if (flag !== undefined && typeof flag !== 'boolean') {
      errors.push({ path: `${PATH}/${key}`, message: 'must be true or false' });
    }
  }
  return errors;
}

/** The settings the plugin's schema governs and the plugin sees: all but the host's key. */
export function pluginSettings(
  settings: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const { [OUTBOUND_SETTINGS_KEY]: _host, ...rest } = settings;
  return rest;
}

/** The host's part of validated settings. */
export function outboundSettingsOf(settings: Readonly<Record<string, unknown>>): OutboundSettings {
  const value = settings[OUTBOUND_SETTINGS_KEY];
  return isRecord(value) ? (value as OutboundSettings) : {};
}
