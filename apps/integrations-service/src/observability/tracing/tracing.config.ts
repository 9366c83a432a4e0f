import { ConfigError } from '../../config/config.error';
import type { Env } from '../../config/env-values';
import { nonEmpty } from '../../config/env-values';

/** The `service.name` of the spans unless OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) says otherwise. */
export const DEFAULT_SERVICE_NAME = 'stellaops-integrations';

/**
 * Traces' configuration: the standard OpenTelemetry variables, read by the SDK itself
 * (OTEL_EXPORTER_OTLP_*, OTEL_TRACES_SAMPLER, OTEL_PROPAGATORS, OTEL_BSP_*, …). This slice only
 * decides whether the SDK is started at all, and checks the endpoint so that a typo stops the
 * start instead of losing every span.
 */
export interface TracingConfig {
  /** OTEL_SERVICE_NAME, when set. */
  readonly serviceName: string | undefined;
  /** OTEL_LOG_LEVEL is set: the SDK writes its own diagnostics to the console at that level. */
  readonly sdkLogLevelSet: boolean;
}

function checkedEndpoint(env: Env, name: string): string | undefined {
  const value = nonEmpty(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an http:// or https:// URL (got '${value}')`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http:// or https:// URL (got '${value}')`);
  }
  return value;
}

/**
 * Undefined — tracing off, nothing of the SDK loaded — unless OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
 * or OTEL_EXPORTER_OTLP_ENDPOINT is set; OTEL_SDK_DISABLED=true turns it off as well.
 */
export function loadTracingConfig(env: Env): TracingConfig | undefined {
  const traces = checkedEndpoint(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = checkedEndpoint(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (traces === undefined && base === undefined) return undefined;
  // The SDK's own reading of this variable: only "true" (any case) disables it.
  if (nonEmpty(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  return {
    serviceName: nonEmpty(env, 'OTEL_SERVICE_NAME'),
    sdkLogLevelSet: nonEmpty(env, 'OTEL_LOG_LEVEL') !== undefined,
  };
}
