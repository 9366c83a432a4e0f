export * from './lib/in-memory-settings';
export * from './lib/in-memory-scm-annotation-client';
export * from './lib/in-memory-registry-connector';
export * from './lib/in-memory-connector-plugin';
export * from './lib/plugins';
