/** The embedded PostgreSQL could not be created or started; `serverOutput` has its last lines. */
export class EmbeddedDatabaseStartError extends Error {
  override readonly name = 'EmbeddedDatabaseStartError';

  constructor(
    reason: string,
    readonly serverOutput: readonly string[],
  ) {
    super(
      `${reason}. Its last output:\n${serverOutput.join('\n') || '(none)'}\n` +
        'Check the data folder (DATA_DIR) is on a local disk with free space, or set DATABASE_URL to a PostgreSQL server.',
    );
  }
}
