import { ConfigError } from '../../config/config.error';
import { loadTracingConfig } from './tracing.config';

describe('loadTracingConfig', () => {
  it('is off without an OTLP endpoint (blank counts as unset)', () => {
    expect(loadTracingConfig({})).toBeUndefined();
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeUndefined();
    expect(loadTracingConfig({ OTEL_SERVICE_NAME: 'x', OTEL_LOG_LEVEL: 'debug' })).toBeUndefined();
  });

  it('is on with either endpoint variable', () => {
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      serviceName: undefined,
      sdkLogLevelSet: false,
    });
    expect(
      loadTracingConfig({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example/v1/traces',
        OTEL_SERVICE_NAME: ' integrations-eu ',
        OTEL_LOG_LEVEL: 'info',
      }),
    ).toEqual({ serviceName: 'integrations-eu', sdkLogLevelSet: true });
  });

  it('is off with OTEL_SDK_DISABLED=true, as the SDK reads it', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadTracingConfig({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' })).toBeUndefined();
    expect(loadTracingConfig({ ...endpoint, OTEL_SDK_DISABLED: 'false' })).toBeDefined();
    expect(loadTracingConfig({ ...endpoint, OTEL_SDK_DISABLED: '1' })).toBeDefined();
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'not a url'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'ftp://collector/v1/traces'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    const load = () => loadTracingConfig({ [name]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`${name} must be an http:// or https:// URL (got '${value}')`);
  });
});
