/** Another live process (or another open Database in this one) holds the data folder. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';

  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `data folder ${dataDir} is in use by process ${pid}; stop it or set DATA_DIR to another folder`,
    );
  }
}
