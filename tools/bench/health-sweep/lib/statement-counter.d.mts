export interface StatementEntry {
  /** When the client sent it (`clock()`). */
  readonly at: number;
  /** When the server's answer (CommandComplete or error) came; undefined until then. */
  doneAt: number | undefined;
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
/** Wall-clock ms with sub-ms resolution (performance.timeOrigin + performance.now()). */
export function clock(): number;
export function rowsOfTag(tag: string): number;
export function statementShape(sql: string, width?: number): string;
