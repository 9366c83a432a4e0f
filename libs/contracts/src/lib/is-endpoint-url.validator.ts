import type { ValidationOptions } from 'class-validator';
import { ValidateBy } from 'class-validator';

/**
 * Why `value` is not an endpoint URL, or `undefined` when it is one. The reason never repeats the
 * value: a URL can carry a password.
 */
export function endpointUrlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return 'must be an absolute http:// or https:// URL';
  }
  if (url.username !== '' || url.password !== '') {
    return 'must not carry a user name or password: put credentials in `credentials` as AuthRef URIs';
  }
  return undefined;
}

/**
 * An absolute `http:` or `https:` URL without user information. Plugins reach their provider over
 * the host's `fetch`, so other schemes could not be served, and credentials in a URL would be
 * stored and shown in clear.
 */
export function IsEndpointUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isEndpointUrl',
      validator: {
        validate: (value: unknown) => endpointUrlProblem(value) === undefined,
        defaultMessage: (args) => `${args?.property ?? 'value'} ${endpointUrlProblem(args?.value)}`,
      },
    },
    options,
  );
}
