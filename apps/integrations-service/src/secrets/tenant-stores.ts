import { ConfigError } from '../config/config.error';

export const TENANT_STORES_VARIABLE = 'SECRETS_TENANT_STORES';

/** The entry that applies to every tenant without an entry of its own. */
export const ANY_TENANT = '*';

const STORE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Which AuthRef stores each tenant may reference, from SECRETS_TENANT_STORES:
 * `acme=env,file;globex=vault;*=file` — `;`-separated `tenant=stores` entries, stores
 * comma-separated, `*` for every tenant not listed, an empty list for none. A tenant matched by no
 * entry may use no store. `undefined` (unset) leaves every store open to every tenant.
 */
export function parseTenantStores(
  raw: string | undefined,
): ReadonlyMap<string, readonly string[]> | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const byTenant = new Map<string, readonly string[]>();
  for (const entry of raw.split(';').map((part) => part.trim())) {
    if (entry === '') continue;
    const equalsAt = entry.indexOf('=');
    const tenant = equalsAt === -1 ? '' : entry.slice(0, equalsAt).trim();
    if (tenant === '') {
      throw new ConfigError(
        `${TENANT_STORES_VARIABLE} entries are tenant=store,store (or *=store for every other tenant), separated by ; (got '${entry}')`,
      );
    }
    if (byTenant.has(tenant)) {
      throw new ConfigError(`${TENANT_STORES_VARIABLE} lists tenant '${tenant}' twice`);
    }
    const stores = entry
      .slice(equalsAt + 1)
      .split(',')
      .map((store) => store.trim())
      .filter((store) => store !== '');
    const bad = stores.find((store) => !STORE_NAME.test(store));
    if (bad !== undefined) {
      throw new ConfigError(
        `${TENANT_STORES_VARIABLE}: '${bad}' (tenant '${tenant}') is not an AuthRef store name such as env, file or vault`,
      );
    }
    byTenant.set(tenant, Object.freeze([...new Set(stores)].sort()));
  }
  return byTenant;
}
