import { SecretResolutionError } from '../secrets/secret-resolution.error';

/**
 * The `SecretResolutionError` a store's resolution rejects with (failing the spec if it resolves
 * or rejects with anything else), checked to quote none of `secrets` in its message.
 */
export async function resolutionFailure(
  promise: Promise<unknown>,
  secrets: readonly string[] = [],
): Promise<SecretResolutionError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SecretResolutionError);
  const failure = error as SecretResolutionError;
  for (const secret of secrets) expect(failure.message).not.toContain(secret);
  return failure;
}
