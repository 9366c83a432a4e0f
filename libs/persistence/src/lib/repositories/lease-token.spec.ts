import { isLeaseToken } from './lease-token';

describe('isLeaseToken', () => {
  it.each(['1', '42', '9223372036854775807'])('takes %s, a positive bigint', (token) => {
    expect(isLeaseToken(token)).toBe(true);
  });

  it.each(['', '0', '-1', '01', '1.5', ' 1', '1e3', 'abc', '9223372036854775808', '1'.repeat(20)])(
    'refuses %p, which no sequence value can be',
    (token) => {
      expect(isLeaseToken(token)).toBe(false);
    },
  );
});
