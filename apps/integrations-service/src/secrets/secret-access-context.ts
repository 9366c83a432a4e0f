/** On whose behalf secrets are resolved: the audit trail's subject. */
export interface SecretAccessContext {
  readonly tenantId: string;
  /** `null` for a draft tested before it is saved. */
  readonly integrationId: string | null;
  /** Who caused the resolution (a user's subject, or the health poller). */
  readonly actor: string;
}
