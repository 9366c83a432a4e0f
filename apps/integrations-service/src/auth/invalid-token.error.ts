/**
 * A bearer token was refused: malformed, badly signed, expired, or missing a claim the service
 * needs. The message says which, and never repeats the token.
 */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}
