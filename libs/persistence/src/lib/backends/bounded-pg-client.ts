import { Client } from 'pg';

const READ_TIMEOUT_MESSAGE = 'Query read timeout';

function isReadTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === READ_TIMEOUT_MESSAGE;
}

type QueryCallback = (error: unknown, result: unknown) => void;

/**
 * A pg client that gives up its connection when an answer does not come within query_timeout.
 * pg only stops waiting; the connection still has the unanswered query in flight, so every later
 * statement on it (the transaction's ROLLBACK among them) would queue behind it and time out too,
 * and the pool would hand it out again. Closing it fails those at once and lets the pool open a
 * fresh one when the server answers again.
 */
export class BoundedPgClient extends Client {
  override query(...args: unknown[]): never {
    const query = super.query as (...queryArgs: unknown[]) => unknown;
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = ((error, result) => {
        if (isReadTimeout(error)) this.abandonConnection();
        (callback as QueryCallback)(error, result);
      }) satisfies QueryCallback;
      return query.apply(this, args) as never;
    }
    const result = query.apply(this, args);
    if (result instanceof Promise) {
      return result.catch((error: unknown) => {
        if (isReadTimeout(error)) this.abandonConnection();
        throw error;
      }) as never;
    }
    return result as never;
  }

  private abandonConnection(): void {
    (
      this as unknown as { connection?: { stream?: { destroy(): void } } }
    ).connection?.stream?.destroy();
  }
}
