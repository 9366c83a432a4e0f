import type { TableNames } from './sql-identifiers';

/** Builds a repository's SQL text once per schema, however many repositories use it. */
export function perSchema<T>(build: (tables: TableNames) => T): (tables: TableNames) => T {
  const cache = new Map<string, T>();
  return (tables) => {
    let statements = cache.get(tables.schema);
    if (statements === undefined) {
      statements = build(tables);
      cache.set(tables.schema, statements);
    }
    return statements;
  };
}
