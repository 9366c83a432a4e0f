import type { ProxySettings } from '@stellaops/integrations-plugin-host';
import {
  ALWAYS_REFUSED,
  classifyAddress,
  parseAllowCidrs,
  parseProxyUrl,
} from '@stellaops/integrations-plugin-host';
import { ConfigError } from './config.error';

/** How the plugins' outbound calls leave the service (the plugin host's guard). */
export interface OutboundConfig {
  /** OUTBOUND_ALLOW_CIDRS: the non-public blocks plugins may reach (on-premises servers). */
  readonly allowCidrs: readonly string[];
  /** HTTPS_PROXY, HTTP_PROXY, NO_PROXY (or their lower-case names). */
  readonly proxy: ProxySettings;
  /** OUTBOUND_MAX_REDIRECTS: redirects a call follows, each hop checked again. */
  readonly maxRedirects: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function variable(env: Env, name: string): [string, string] | undefined {
  for (const each of [name, name.toLowerCase()]) {
    const value = env[each]?.trim();
    if (value !== undefined && value !== '') return [each, value];
  }
  return undefined;
}

function allowCidrs(env: Env): string[] {
  const raw = env['OUTBOUND_ALLOW_CIDRS'] ?? '';
  let cidrs: string[];
  try {
    cidrs = parseAllowCidrs(raw);
  } catch (error) {
    throw new ConfigError(`OUTBOUND_ALLOW_CIDRS: ${(error as Error).message}`);
  }
  const never = cidrs.find((cidr) => ALWAYS_REFUSED.has(classifyAddress(cidr.split('/')[0] ?? '')));
  if (never !== undefined) {
    throw new ConfigError(
      `OUTBOUND_ALLOW_CIDRS: ${never} is link-local or a cloud metadata address, which is always refused and cannot be allowed`,
    );
  }
  return cidrs;
}

function maxRedirects(env: Env): number {
  const raw = env['OUTBOUND_MAX_REDIRECTS']?.trim() ?? '';
  if (raw === '') return 10;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 20) {
    throw new ConfigError(`OUTBOUND_MAX_REDIRECTS must be an integer from 0 to 20 (got '${raw}')`);
  }
  return value;
}

/** Reads the outbound slice of the configuration; throws a `ConfigError` naming the variable. */
export function loadOutboundConfig(env: Env): OutboundConfig {
  const proxy: { httpsProxy?: string; httpProxy?: string; noProxy?: string } = {};
  for (const [name, key] of [
    ['HTTPS_PROXY', 'httpsProxy'],
    ['HTTP_PROXY', 'httpProxy'],
  ] as const) {
    const found = variable(env, name);
    if (found === undefined) continue;
    try {
      parseProxyUrl(found[1], found[0]);
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    proxy[key] = found[1];
  }
  const noProxy = variable(env, 'NO_PROXY');
  if (noProxy !== undefined) proxy.noProxy = noProxy[1];
  return { allowCidrs: allowCidrs(env), proxy, maxRedirects: maxRedirects(env) };
}
