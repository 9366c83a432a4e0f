import type { CheckResult } from '@stellaops/integrations-core';
import type { CallTiming } from '@stellaops/integrations-plugin-host';
import { redactSecrets } from './redact-secrets';
import {
  ALWAYS_REFUSED,
  describeAddressClass,
  OUTBOUND_ALLOW_VARIABLE,
} from '@stellaops/integrations-plugin-host';

/**
 * A test's or check's result with the host's record of the calls the plugin made
 * (`details.calls`). A failed one during which the outbound policy refused a call fails in phase
 * `config`, saying what was refused and what would allow it, whatever phase the plugin guessed:
 * the refusal, not the provider, is why it failed. Secrets are masked in the calls' URLs too.
 */
export function withOutboundCalls(
  result: CheckResult,
  calls: readonly CallTiming[],
  secrets: readonly string[],
): CheckResult {
  if (calls.length === 0) return result;
  const details = { ...result.details, calls: redactSecrets(calls, secrets) };
  const refused = calls.find((call) => call.refused !== undefined);
  if (result.success || refused?.refused === undefined) return { ...result, details };
  const message = result.message.includes(OUTBOUND_ALLOW_VARIABLE)
    ? result.message
    : `the outbound policy refused a call to ${refused.url}: ${describeAddressClass(refused.refused)}${
        ALWAYS_REFUSED.has(refused.refused)
          ? ', which is always refused'
          : `; set ${OUTBOUND_ALLOW_VARIABLE} to allow it`
      }`;
  return { ...result, phase: 'config', isTransient: false, message, details };
}
