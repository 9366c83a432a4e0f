import { trace } from '@opentelemetry/api';
import {
  ATTR_HTTP_ROUTE,
  HTTP_REQUEST_METHOD_VALUE_OTHER,
} from '@opentelemetry/semantic-conventions';
import { httpRequestMethod } from '../metrics/http-request-method';

/**
 * Gives the current request's server span its route template: the `http.route` attribute and
 * the name `GET /api/v1/integrations/:id` that semantic conventions ask for. The http
 * instrumentation sees only the raw URL (which holds ids), so without this every span would be
 * named after its method alone. Does nothing when no span records (tracing off, not sampled).
 */
export function nameServerSpan(method: string, route: string): void {
  const span = trace.getActiveSpan();
  if (span === undefined || !span.isRecording()) return;
  const known = httpRequestMethod(method);
  span.setAttribute(ATTR_HTTP_ROUTE, route);
  span.updateName(`${known === HTTP_REQUEST_METHOD_VALUE_OTHER ? 'HTTP' : known} ${route}`);
}
