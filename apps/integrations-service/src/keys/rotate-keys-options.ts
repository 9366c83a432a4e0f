import { RotateKeysUsageError } from './rotate-keys-usage.error';

export const DEFAULT_ROTATION_BATCH = 500;
const MAX_BATCH = 10_000;

export interface RotateKeysOptions {
  /** Rows read and re-written per batch (one statement each way). */
  readonly batchSize: number;
  /** A key about to be removed: the command fails while any row still needs it. */
  readonly retire: string | undefined;
  /** At most this many rows a second, to spare a busy database; undefined: as fast as it goes. */
  readonly maxRowsPerSecond: number | undefined;
  readonly help: boolean;
}

export const ROTATE_KEYS_USAGE = `Usage: npm run rotate-keys -- [--batch <rows>] [--rate <rows/s>] [--retire <keyId>]

Re-encrypts every registration's credentials and secret settings with the active key
(INTEGRATIONS_ENCRYPTION_ACTIVE_KEY), in batches, while the service runs. Interrupted, it
resumes where it stopped when run again: what is left is the rows not yet under the active key.

  --batch <rows>     rows per batch, 1 to ${MAX_BATCH} (default ${DEFAULT_ROTATION_BATCH})
  --rate <rows/s>    at most this many rows a second (default: no limit)
  --retire <keyId>   a key about to be removed from INTEGRATIONS_ENCRYPTION_KEYS: fail unless,
                     at the end, no row still needs it (it may not be the active key)
  --help             this text

Exit status: 0 done; 1 some rows could not be rotated (named), or the retired key is still
needed, or an error; 2 bad arguments; 130 interrupted.`;

function positiveInteger(flag: string, raw: string | undefined, max: number): number {
  const value = Number(raw);
  if (
    raw === undefined ||
    raw.trim() === '' ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > max
  ) {
    throw new RotateKeysUsageError(
      `${flag} takes an integer from 1 to ${max} (got ${raw === undefined ? 'nothing' : `'${raw}'`})`,
    );
  }
  return value;
}

/** Reads `--flag value` and `--flag=value` forms. */
export function parseRotateKeysArgs(argv: readonly string[]): RotateKeysOptions {
  let batchSize = DEFAULT_ROTATION_BATCH;
  let retire: string | undefined;
  let maxRowsPerSecond: number | undefined;
  let help = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    const equals = arg.indexOf('=');
    const flag = arg.startsWith('--') && equals > 0 ? arg.slice(0, equals) : arg;
    const value = (): string | undefined => (flag === arg ? argv[++index] : arg.slice(equals + 1));
    switch (flag) {
      case '--batch':
        batchSize = positiveInteger(flag, value(), MAX_BATCH);
        break;
      case '--rate':
        maxRowsPerSecond = positiveInteger(flag, value(), 1_000_000);
        break;
      case '--retire': {
        const id = value();
        if (id === undefined || id.trim() === '' || id.startsWith('--')) {
          throw new RotateKeysUsageError('--retire takes the id of a key');
        }
        retire = id.trim();
        break;
      }
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new RotateKeysUsageError(`unknown argument '${arg}' (see --help)`);
    }
  }
  return { batchSize, retire, maxRowsPerSecond, help };
}
