import { sqlStatements } from '@stellaops/integrations-persistence/testing';

/**
 * The statements the baseline runs: the persistence library's own (`sqlStatements`), so the bare
 * server and the service send exactly the same SQL — `integrations.insert`, `findById`, `list` and
 * `listTagged` (the listing with a tag),
 * and the two other writes of a registration's transaction (`events.append`, `audit.record`).
 */
export function baselineStatements(schema) {
  const { integrations, outbox, audit } = sqlStatements(schema);
  return {
    insert: integrations.insert,
    findById: integrations.findById,
    list: integrations.list,
    listTagged: integrations.listTagged,
    appendEvent: outbox.append,
    recordAudit: audit.record,
  };
}
