/**
 * Why a credential is resolved: a connection test (saved or draft), a health check (the poller's
 * or one asked for), an SCM operation, a registry call. Recorded with every resolution.
 */
export type SecretPurpose = 'test' | 'health' | 'scm' | 'registry';

export const SecretPurposes: readonly SecretPurpose[] = ['test', 'health', 'scm', 'registry'];

/** On whose behalf secrets are resolved: the audit trail's subject. */
export interface SecretAccessContext {
  readonly tenantId: string;
  /** `null` for a draft tested before it is saved. */
  readonly integrationId: string | null;
  /** Who caused the resolution (a user's subject, or the health poller). */
  readonly actor: string;
  /** What the credential is resolved for. */
  readonly purpose: SecretPurpose;
}
