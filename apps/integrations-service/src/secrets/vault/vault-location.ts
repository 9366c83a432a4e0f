import type { AuthRef } from '@stellaops/integrations-core';
import { TENANT_PLACEHOLDER } from '../stores.config';

/** Where one `authref://vault/...` reference reads, in the tenant's own prefix. */
export interface VaultLocation {
  /** The KV version 2 secrets engine's mount: the reference's first segment. */
  readonly mount: string;
  /** The secret's path under the tenant's prefix, as the reference names it (no version). */
  readonly path: readonly string[];
  /** The tenant's prefix (VAULT_TENANT_PREFIX with the tenant in it). */
  readonly prefix: readonly string[];
  /** A pinned version; undefined for the latest. */
  readonly version: number | undefined;
  /** The field of the secret's data (`#key`). */
  readonly key: string | undefined;
}

/** What a path segment may hold: nothing that a URL or Vault would read as structure. */
const SEGMENT = /^[A-Za-z0-9_.~@+=-]+$/;
/** A tenant's name becomes one path segment of its prefix: only names that are one plain segment. */
const TENANT_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** `name@3`: version 3 of `name`. */
const VERSION_SUFFIX = /^(.*)@([0-9]+)$/;
const MAX_VERSION = 2_147_483_647;
/** Mounts that are Vault's own, never a KV secrets engine. */
const SYSTEM_MOUNTS = new Set(['sys', 'auth', 'identity', 'cubbyhole']);
/** KV version 2's own path words, which the store adds itself. */
const KV_V2_WORDS = new Set(['data', 'metadata']);

export const VAULT_TENANT_HAS_NO_PREFIX =
  'the vault store has no prefix for this tenant: its name is not one plain path segment (letters, digits, _ . -, starting with a letter or digit)';

export const VAULT_REFERENCE_FORM =
  'authref://vault/<mount>/<path>[@<version>][#<field>], e.g. authref://vault/secret/github/app@3#privateKey';

/**
 * Reads `authref://vault/<mount>/<path>[@<version>][#<field>]`: the first segment is the KV
 * version 2 mount, the rest the secret's path under the tenant's prefix, which the store puts in
 * between (the tenant never names it), so `authref://vault/secret/github/app` of tenant `acme`
 * reads `secret/data/tenants/acme/github/app`. A last segment ending in `@<digits>` pins that
 * version. Returns why the reference cannot be read when it cannot, decided from its text alone.
 */
export function vaultLocation(
  ref: AuthRef,
  tenantId: string,
  tenantPrefix: readonly string[],
): VaultLocation | { readonly refusal: string } {
  if (!TENANT_SEGMENT.test(tenantId)) return { refusal: VAULT_TENANT_HAS_NO_PREFIX };
  const segments = ref.path.split('/');
  // AuthRef.parse refuses these already; a resolver must not rely on its caller for that.
  if (segments.some((segment) => segment === '.' || segment === '..' || !SEGMENT.test(segment))) {
    return {
      refusal:
        "its path must stay inside the tenant's prefix (no empty, . or .. segments, no encoded characters)",
    };
  }
  const [mount, ...rest] = segments;
  if (mount === undefined || rest.length === 0) {
    return { refusal: `it names a mount but no secret: write ${VAULT_REFERENCE_FORM}` };
  }
  if (SYSTEM_MOUNTS.has(mount)) {
    return { refusal: `'${mount}' is a Vault system path, not a KV version 2 mount` };
  }
  if (KV_V2_WORDS.has(rest[0] ?? '')) {
    return {
      refusal: `its path starts with '${rest[0] ?? ''}/', which the vault store adds itself: write ${VAULT_REFERENCE_FORM}`,
    };
  }
  const last = rest[rest.length - 1] ?? '';
  const versioned = VERSION_SUFFIX.exec(last);
  let version: number | undefined;
  if (versioned !== null) {
    const [, name = '', digits = ''] = versioned;
    version = Number(digits);
    if (name === '' || digits.startsWith('0') || version > MAX_VERSION) {
      return {
        refusal: `'@${digits}' is not a version: versions are 1 or more, after the secret's name (leave the version out for the latest)`,
      };
    }
    rest[rest.length - 1] = name;
  }
  const prefix = tenantPrefix.map((segment) =>
    segment === TENANT_PLACEHOLDER ? tenantId : segment,
  );
  return { mount, path: rest, prefix, version, key: ref.key };
}

/** The secret as the tenant names it, for messages: `github/app` (version 3). */
export function describeSecret(location: VaultLocation): string {
  const version = location.version === undefined ? '' : ` (version ${location.version})`;
  return `vault secret '${location.mount}/${location.path.join('/')}'${version}`;
}

/** The API path of the read, as a Vault policy names it: `secret/data/tenants/acme/github/app`. */
export function dataPath(location: VaultLocation): string {
  return [location.mount, 'data', ...location.prefix, ...location.path].join('/');
}

/** The policy path that lets the service read every secret of the tenant's prefix. */
export function tenantPolicyPath(location: VaultLocation): string {
  return [location.mount, 'data', ...location.prefix, '*'].join('/');
}
