import { InputError } from '@stellaops/integrations-core';
import { assertNumber } from './assert-number';

describe('assertNumber', () => {
  it('passes numbers within the bounds', () => {
    expect(() => assertNumber('limit', 0, { min: 0, max: 10 })).not.toThrow();
    expect(() => assertNumber('limit', 10, { min: 0, max: 10 })).not.toThrow();
    expect(() => assertNumber('seconds', 0.5, { min: 0, integer: false })).not.toThrow();
  });

  it.each([
    [11, { min: 0, max: 10 }],
    [-1, { min: 0 }],
    [1.5, { min: 0 }],
    [Number.NaN, { min: 0, integer: false }],
    [Number.POSITIVE_INFINITY, { min: 0, integer: false }],
  ])('refuses %p for %j with an InputError naming the argument', (value, bounds) => {
    let thrown: unknown;
    try {
      assertNumber('leaseMs', value, bounds);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect(thrown).toMatchObject({
      message: expect.stringMatching(/^leaseMs must be /),
      errors: [{ path: '/leaseMs' }],
    });
  });
});
