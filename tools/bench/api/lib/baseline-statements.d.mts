export interface BaselineStatements {
  readonly insert: string;
  readonly findById: string;
  readonly list: string;
  readonly listTagged: string;
  readonly listTaggedFiltered: string;
  readonly appendEvent: string;
  readonly recordAudit: string;
}

export function baselineStatements(schema: string): BaselineStatements;
