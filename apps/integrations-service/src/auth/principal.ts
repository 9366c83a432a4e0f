/** Who is calling, established from a verified bearer token. */
export interface Principal {
  /** The token's `sub`. */
  readonly subject: string;
  /** The token's `tenant`: every read and write of the request is confined to it. */
  readonly tenantId: string;
  /** The token's `scope`, split on spaces. */
  readonly scopes: ReadonlySet<string>;
}
