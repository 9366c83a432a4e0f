import { parseRotateKeysArgs } from './rotate-keys-options';
import { RotateKeysUsageError } from './rotate-keys-usage.error';

describe('parseRotateKeysArgs', () => {
  it('has defaults', () => {
    expect(parseRotateKeysArgs([])).toEqual({
      batchSize: 500,
      retire: undefined,
      maxRowsPerSecond: undefined,
      help: false,
    });
  });

  it('reads --flag value and --flag=value', () => {
    expect(parseRotateKeysArgs(['--batch', '250', '--retire=A', '--rate', '1000'])).toEqual({
      batchSize: 250,
      retire: 'A',
      maxRowsPerSecond: 1000,
      help: false,
    });
    expect(parseRotateKeysArgs(['--help']).help).toBe(true);
  });

  it.each([
    [['--batch', '0'], /--batch takes an integer from 1 to 10000 \(got '0'\)/],
    [['--batch', '10001'], /--batch takes an integer/],
    [['--batch', '1.5'], /--batch takes an integer/],
    [['--batch'], /--batch takes an integer from 1 to 10000 \(got nothing\)/],
    [['--rate', 'fast'], /--rate takes an integer/],
    [['--retire'], /--retire takes the id of a key/],
    [['--retire', '--batch'], /--retire takes the id of a key/],
    [['--force'], /unknown argument '--force'/],
    [['A'], /unknown argument 'A'/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseRotateKeysArgs(argv)).toThrow(RotateKeysUsageError);
    expect(() => parseRotateKeysArgs(argv)).toThrow(message);
  });
});
