import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nx from '@nx/eslint-plugin';
import eslintConfigPrettier from 'eslint-config-prettier';

/**
 * Layering (DESIGN.md), enforced in two dimensions:
 * - `type:*` is a project's layer and says which layers it may import;
 * - `scope:publishable` projects are npm packages and may import only other publishable ones.
 */
export const depConstraints = [
  { sourceTag: 'type:abstractions', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:abstractions'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:core', 'type:abstractions'] },
  { sourceTag: 'type:persistence', onlyDependOnLibsWithTags: ['type:core', 'type:abstractions'] },
  {
    sourceTag: 'type:plugin',
    onlyDependOnLibsWithTags: ['type:abstractions', 'type:plugin-client'],
  },
  { sourceTag: 'type:plugin-client', onlyDependOnLibsWithTags: ['type:abstractions'] },
  { sourceTag: 'type:plugin-host', onlyDependOnLibsWithTags: ['type:abstractions'] },
  {
    sourceTag: 'type:testing',
    onlyDependOnLibsWithTags: ['type:abstractions', 'type:core', 'type:plugin-host'],
  },
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: [
      'type:abstractions',
      'type:core',
      'type:contracts',
      'type:persistence',
      'type:plugin-host',
      'type:plugin',
      'type:plugin-client',
      'type:testing',
    ],
  },
  { sourceTag: 'type:tools', onlyDependOnLibsWithTags: ['*'] },
  { sourceTag: 'scope:publishable', onlyDependOnLibsWithTags: ['scope:publishable'] },
];

const workspaceRoot = path.dirname(fileURLToPath(import.meta.url));

const INDEX_IMPORT_PATTERN = {
  regex: '^\\.{1,2}(/index)?/?$',
  message: "Import the file, not the folder's index (it breeds cycles).",
};

/** The modules a plugin's runtime code may not import (prefixed or not, and their subpaths). */
export const NETWORK_MODULES = ['http', 'https', 'http2', 'net', 'tls', 'dns', 'dgram'].flatMap(
  (name) => [name, `node:${name}`, `${name}/promises`, `node:${name}/promises`],
);
const NETWORK_MODULE_REGEX = '/^(node:)?(http|https|http2|net|tls|dns|dgram)(\\/promises)?$/';
const NETWORK_MESSAGE =
  'A plugin reaches the network only through its host: use config.host.fetch, or hand config.host.agents to an SDK.';
const FETCH_MESSAGE =
  "Use config.host.fetch: the global fetch bypasses the host's outbound policy, CA bundle and proxy.";

const base = [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/coverage', '**/.nx', '**/.data', 'tmp'],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs', '**/*.cts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          checkDynamicDependenciesExceptions: [],
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?js$'],
          depConstraints,
        },
      ],
    },
  },
  {
    // A plugin's own specs may use the plugin test kit; its runtime code may not.
    files: ['**/*.spec.ts', '**/*.int-spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?js$'],
          depConstraints: depConstraints.map((constraint) =>
            constraint.sourceTag === 'type:plugin'
              ? {
                  ...constraint,
                  onlyDependOnLibsWithTags: [
                    ...constraint.onlyDependOnLibsWithTags,
                    'type:testing',
                  ],
                }
              : constraint,
          ),
        },
      ],
    },
  },
  {
    files: ['**/*.ts', '**/*.cts'],
    // With decorator metadata, a constructor parameter's type is a runtime value (Nest injects
    // by it): consistent-type-imports must know, or its fix would break injection.
    languageOptions: {
      parserOptions: { emitDecoratorMetadata: true, experimentalDecorators: true },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [INDEX_IMPORT_PATTERN],
        },
      ],
    },
  },
  {
    // A plugin reaches the network only through the host (`config.host.fetch` and
    // `config.host.agents`), where the outbound policy, the CA bundle and the proxy apply. Its
    // runtime code may not open sockets, resolve names or call the global fetch itself.
    basePath: workspaceRoot,
    files: ['libs/plugins/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NETWORK_MODULES.map((name) => ({ name, message: NETWORK_MESSAGE })),
          patterns: [INDEX_IMPORT_PATTERN],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: `CallExpression[callee.name='require'] > Literal[value=${NETWORK_MODULE_REGEX}]`,
          message: NETWORK_MESSAGE,
        },
        {
          selector: `ImportExpression > Literal[value=${NETWORK_MODULE_REGEX}]`,
          message: NETWORK_MESSAGE,
        },
      ],
      'no-restricted-globals': ['error', { name: 'fetch', message: FETCH_MESSAGE }],
      'no-restricted-properties': [
        'error',
        ...['globalThis', 'global', 'self', 'window'].map((object) => ({
          object,
          property: 'fetch',
          message: FETCH_MESSAGE,
        })),
      ],
    },
  },
  {
    // Tests read untyped HTTP bodies and assert presence themselves.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/testing/test-app.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  eslintConfigPrettier,
];

export default base;

const jsonParser = await import('jsonc-eslint-parser');

/**
 * The ESLint config of a publishable library: the workspace rules, plus `@nx/dependency-checks`
 * on its package.json so that what its code imports at run time is what it declares.
 */
export function publishableLibraryConfig({ ignoredFiles = [], ignoredDependencies = [] } = {}) {
  return [
    ...base,
    {
      files: ['**/*.json'],
      languageOptions: { parser: jsonParser },
      rules: {
        '@nx/dependency-checks': [
          'error',
          {
            ignoredFiles: [
              '{projectRoot}/eslint.config.{js,cjs,mjs}',
              '{projectRoot}/jest.config.cts',
              '{projectRoot}/src/**/*.spec.ts',
              '{projectRoot}/src/**/*.int-spec.ts',
              '{projectRoot}/type-tests/**/*',
              ...ignoredFiles,
            ],
            ignoredDependencies,
          },
        ],
      },
    },
  ];
}
