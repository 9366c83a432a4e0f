import type { Env } from '../config/env-values';
import { nonEmpty } from '../config/env-values';

/** The audit trail's slice of the configuration. */
export interface AuditConfig {
  /** AUDIT_HMAC_KEY: keys the HMAC of each credential reference in the trail. */
  readonly hmacKey: string | undefined;
}

export function loadAuditConfig(env: Env): AuditConfig {
  return { hmacKey: nonEmpty(env, 'AUDIT_HMAC_KEY') };
}
