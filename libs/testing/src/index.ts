export * from './lib/find-text';
export * from './lib/fixtures/capturing-logger';
export * from './lib/fixtures/manual-clock';
export * from './lib/fixtures/in-memory-secret-accessor';
export * from './lib/fixtures/next-test-uuid';
export * from './lib/fixtures/a-plugin-host';
export * from './lib/fixtures/an-integration-config';
export * from './lib/fixtures/an-integration';
export type { RecordedRequest, TestRequestHandler, TestServer } from './lib/servers/test-server';
export { respondJson } from './lib/servers/test-server';
export * from './lib/servers/start-http-server';
export * from './lib/servers/start-https-server';
export * from './lib/servers/start-tcp-server';
export * from './lib/servers/hostile-scenarios';
export * from './lib/servers/with-unresolvable-names';
export * from './lib/conformance/conformance-options';
export type { ConformanceCheckResult } from './lib/conformance/conformance-check-result';
export * from './lib/conformance/conformance-failure.error';
export { HostBypassError } from './lib/conformance/host-bypass-trap';
// From the plugin host, so that a plugin's own tests compile its schema and check its results as the
// service does.
export {
  compileSettingsSchema,
  SettingsSchemaError,
  validateCheckResult,
} from '@stellaops/integrations-plugin-host';
export * from './lib/conformance/conformance-suite';
export * from './lib/conformance/run-conformance-checks';
export * from './lib/conformance/describe-connector-conformance';
