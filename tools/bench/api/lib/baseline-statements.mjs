import { sqlStatements } from '@stellaops/integrations-persistence/testing';

/**
 * The statements the baseline runs: the persistence library's own (`sqlStatements`), so the bare
 * server and the service send exactly the same SQL — `integrations.insert`, `findById`, `list`,
 * `listTagged` (the listing by a tag alone) and `listTaggedFiltered` (a tag with other filters),
 * and the two other writes of a registration's transaction (`events.append`, `audit.record`).
 */
export function baselineStatements(schema) {
  const { integrations, outbox, audit } = sqlStatements(schema);
  return {
    insert: integrations.insert,
    findById: integrations.findById,
    list: integrations.list,
    listTagged: integrations.listTagged,
    listTaggedFiltered: integrations.listTaggedFiltered,
    appendEvent: outbox.append,
    recordAudit: audit.record,
  };
}
