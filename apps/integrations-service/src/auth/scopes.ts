/** The scopes of the v1 API, as they appear in a token's space-separated `scope` claim. */
export const Scopes = {
  Read: 'integrations:read',
  Write: 'integrations:write',
  Operate: 'integrations:operate',
} as const;

export type Scope = (typeof Scopes)[keyof typeof Scopes];

export const ALL_SCOPES: readonly Scope[] = Object.values(Scopes);
