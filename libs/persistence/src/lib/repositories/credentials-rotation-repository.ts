/**
 * A row whose stored credentials or secret settings could not be opened: named by id, never by
 * content.
 */
export interface RotationFailure {
  readonly id: string;
  readonly tenantId: string;
  /**
   * Why (the CredentialsDecryptionError's messages, `; `-separated: row, field, key id, never the
   * value).
   */
  readonly reason: string;
}

export interface RotationBatch {
  /** Rows read: those after the cursor that were not under the active key, up to the limit. */
  readonly read: number;
  /**
   * Rows re-sealed under the active key, credentials and secret settings together (plain rows
   * sealed for the first time included).
   */
  readonly rotated: number;
  /**
   * Rows whose credentials or settings changed between the read and the write (a concurrent
   * update): left as that write made them. The service seals with the active key, so there is
   * nothing to redo.
   */
  readonly conflicts: readonly string[];
  /**
   * Rows with credentials or a secret setting that could not be opened (altered, or under a key
   * the ring lacks): left unchanged, whole.
   */
  readonly failures: readonly RotationFailure[];
  /** The id of the last row read: the next batch starts after it. Null when none was left. */
  readonly last: string | null;
}

export interface RowsUnderKey {
  /** How many rows still have credentials or a secret setting sealed under the key. */
  readonly count: number;
  /** The first of them in id order, up to the limit asked for. */
  readonly ids: readonly string[];
}

/**
 * Moves every registration's credentials and secret settings (deleted registrations' too: their
 * rows keep them) onto the keyring's active key; a row is under the active key when its
 * credentials and every secret setting it holds are. It needs no state of its own: the rows not under the active key
 * are what is left to do, so a rotation interrupted at any point resumes by starting again. Every
 * write is conditional on the stored value being still the one read (compare-and-set), so a
 * rotation can run while the service writes: a concurrent update is never overwritten. Each call
 * is its own statement(s), outside any transaction.
 */
export interface CredentialsRotationRepository {
  /** The id of the key values are sealed with; undefined without a keyring. */
  readonly activeKeyId: string | undefined;
  /** The ids of the keyring's keys. */
  readonly keyIds: readonly string[];
  /**
   * Rows not yet under the active key: with plain credentials or a plain secret setting, or with
   * either sealed under any other key.
   */
  countPending(): Promise<number>;
  /**
   * Reads up to `limit` rows not under the active key, in id order after `after` (null: from the
   * first), and re-seals each one that opens under the active key, compare-and-set.
   * @throws Error without a keyring, or for a limit outside 1..10000
   */
  rotateBatch(after: string | null, limit: number): Promise<RotationBatch>;
  /**
   * The rows whose credentials or any secret setting are still sealed under `keyId` (by its id,
   * or by its fingerprint for rows sealed before keyrings): what removing that key from the ring
   * would make unreadable.
   * @throws Error when `keyId` is not one of the ring's ids
   */
  rowsUnderKey(keyId: string, limit: number): Promise<RowsUnderKey>;
}
