import { HTTP_REQUEST_METHOD_VALUE_OTHER } from '@opentelemetry/semantic-conventions';

/** The methods semantic conventions name (RFC 9110 and PATCH); QUERY is still a draft. */
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
]);

/**
 * The `http.request.method` of a request: a known method as is, anything else `_OTHER`.
 * Node's parser accepts dozens of WebDAV and other methods; a client sending each of them must
 * not be able to add a series per method.
 */
export function httpRequestMethod(method: string): string {
  return KNOWN_METHODS.has(method) ? method : HTTP_REQUEST_METHOD_VALUE_OTHER;
}
