export * from './lib/schema/settings-schema.error';
export * from './lib/schema/settings-schema-dialects';
export * from './lib/schema/settings-schema-compiler';
export * from './lib/shape/plugin-shape-rules';
export * from './lib/results/validate-check-result';
