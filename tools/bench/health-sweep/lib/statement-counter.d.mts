export interface StatementEntry {
  /** performance.now() when the client sent it. */
  readonly at: number;
  readonly sql: string;
  /** From the server's CommandComplete tag (0 for BEGIN, COMMIT and statements without rows). */
  rows: number;
  error: boolean;
}

export interface StatementCounter {
  /** The upstream URL with the proxy's host and port. */
  readonly url: string;
  readonly port: number;
  /** One entry per statement, across every connection, in the order sent. */
  readonly log: StatementEntry[];
  close(): Promise<void>;
}

export function startStatementCounter(upstreamUrl: string): Promise<StatementCounter>;
export function rowsOfTag(tag: string): number;
export function statementShape(sql: string, width?: number): string;
