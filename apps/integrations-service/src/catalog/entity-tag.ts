import type { Integration } from '@stellaops/integrations-core';
import { PreconditionFailedError } from '@stellaops/integrations-core';

/** A parsed `If-Match`: any current representation, or one of these versions. */
export type IfMatch = { readonly any: true } | { readonly any: false; readonly versions: number[] };

/** The strong ETag of a registration: its version, quoted. */
export function entityTag(version: number): string {
  return `"${version}"`;
}

// RFC 9110 entity-tag: an optional weakness prefix, then any visible characters but DQUOTE, quoted.
const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"$/;
const VERSION = /^[1-9][0-9]{0,14}$/;
/** The version column is a PostgreSQL integer: a larger number is no version of ours. */
const MAX_VERSION = 2_147_483_647;

/**
 * Parses an `If-Match` header: undefined when absent. A malformed header is refused with a 412,
 * as the precondition cannot hold. Weak tags and tags that are not one of our versions (including
 * numbers past the version column's range) are kept out of `versions`: with strong comparison they
 * match nothing, so a change conditional on them alone fails with 412.
 */
export function parseIfMatch(header: string | readonly string[] | undefined): IfMatch | undefined {
  if (header === undefined) return undefined;
  const value = (typeof header === 'string' ? header : header.join(',')).trim();
  if (value === '*') return { any: true };
  const versions: number[] = [];
  for (const part of value.split(',')) {
    const match = ENTITY_TAG.exec(part.trim());
    if (match === null) {
      throw new PreconditionFailedError(
        'If-Match must be * or a list of entity tags such as "3", as sent in the ETag header',
      );
    }
    const [, weak, opaque = ''] = match;
    if (weak === undefined && VERSION.test(opaque) && Number(opaque) <= MAX_VERSION) {
      versions.push(Number(opaque));
    }
  }
  return { any: false, versions };
}

/**
 * The version to make a change conditional on, or undefined for an unconditional one. Throws a
 * 412 when the registration is at another version than the caller's `If-Match` names.
 */
export function expectedVersion(
  ifMatch: IfMatch | undefined,
  current: Integration,
): number | undefined {
  if (ifMatch === undefined || ifMatch.any) return undefined;
  if (!ifMatch.versions.includes(current.version)) {
    throw new PreconditionFailedError(
      `the integration has changed since that version (it is now at ETag ${entityTag(current.version)}): read it again and retry`,
    );
  }
  return current.version;
}
