import { SecretUnavailableError } from './secret-unavailable.error';

describe('SecretUnavailableError', () => {
  it('names the slot and the reason, permanent by default', () => {
    const error = new SecretUnavailableError('privateKey', 'no reference is configured');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'SecretUnavailableError',
      slot: 'privateKey',
      isTransient: false,
      message: "credential 'privateKey' is unavailable: no reference is configured",
    });
    expect(error.cause).toBeUndefined();
  });

  it('keeps its cause and transience', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new SecretUnavailableError('token', 'the vault did not answer', {
      isTransient: true,
      cause,
    });
    expect(error.isTransient).toBe(true);
    expect(error.cause).toBe(cause);
  });
});
