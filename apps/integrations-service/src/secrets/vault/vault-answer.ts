import type { RemoteAnswer } from '../remote-store-client';
import { SecretResolutionError } from '../secret-resolution.error';

const MAX_ERROR_TEXT = 200;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Vault's own reason (`{"errors": ["..."]}`), on one line and shortened: `permission denied`,
 * `Vault is sealed`. Vault's errors name paths and states, never a secret's data.
 */
export function vaultErrorText(answer: RemoteAnswer): string | undefined {
  const errors = isObject(answer.body) ? answer.body['errors'] : undefined;
  if (!Array.isArray(errors)) return undefined;
  const text = errors
    .filter((error): error is string => typeof error === 'string')
    .join('; ')
    // A multi-error answer reads "1 error occurred:\n\t* permission denied\n\n".
    .replace(/\d+ errors? occurred:/g, '')
    .replace(/\s*\*\s+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '') return undefined;
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text;
}

export function isSealed(answer: RemoteAnswer): boolean {
  return answer.status === 503 && /sealed/i.test(vaultErrorText(answer) ?? '');
}

/**
 * An answer the caller has no more specific reading of: sealed, rate-limited, 5xx and 412 (a
 * replica behind on writes) are transient; anything else is permanent, with Vault's reason.
 */
export function vaultFailure(answer: RemoteAnswer, doing: string): SecretResolutionError {
  const text = vaultErrorText(answer);
  const status = text === undefined ? `${answer.status}` : `${answer.status}: ${text}`;
  if (isSealed(answer)) {
    return new SecretResolutionError(
      `Vault is sealed (${status}): it answers again once it is unsealed`,
      { isTransient: true },
    );
  }
  if (answer.status === 429) {
    return new SecretResolutionError(`Vault is limiting the service's requests (${status})`, {
      isTransient: true,
    });
  }
  if (answer.status >= 500 || answer.status === 412) {
    return new SecretResolutionError(`Vault could not ${doing} (${status})`, {
      isTransient: true,
    });
  }
  return new SecretResolutionError(`Vault refused to ${doing} (${status})`);
}

/** Encodes each segment of a Vault API path. */
export function apiPath(...segments: readonly string[]): string {
  return `/v1/${segments.map((segment) => encodeURIComponent(segment)).join('/')}`;
}
