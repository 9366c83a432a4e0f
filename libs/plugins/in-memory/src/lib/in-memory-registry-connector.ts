import { createHash } from 'node:crypto';
import type {
  DigestRef,
  Page,
  PageRequest,
  RegistryConnector,
  RepositoryRef,
  TagRef,
} from '@stellaops/integrations-plugin-abstractions';
import { AbortedError, ProviderError } from '@stellaops/integrations-plugin-abstractions';

/** Repository name -> tags. */
export type RegistryContent = Readonly<Record<string, readonly string[]>>;

export const DEFAULT_REGISTRY_CONTENT: RegistryContent = {
  'library/alpine': ['3.19', '3.20', 'latest'],
  'library/nginx': ['1.26', '1.27', 'latest'],
  'library/postgres': ['16', '17', 'latest'],
  'stellaops/scanner': ['1.0.0', '1.1.0', '2.0.0', 'latest'],
  'stellaops/web': ['0.9.0', '1.0.0'],
};

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 1000;
export const IN_MEMORY_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';

export type RecordedRegistryCall =
  | { readonly operation: 'listRepositories'; readonly page: PageRequest }
  | { readonly operation: 'listTags'; readonly repository: string; readonly page: PageRequest }
  | {
      readonly operation: 'resolveDigest';
      readonly repository: string;
      readonly reference: string;
    };

const CURSOR_PREFIX = 'after:';

/**
 * A registry that lives in memory, seeded with a few repositories. Listings are in a total,
 * stable order (by name, compared by code unit) and paged by an opaque cursor; digests are the
 * sha256 of `repository:tag`, so they are the same on every run and every machine.
 */
export class InMemoryRegistryConnector implements RegistryConnector {
  private readonly recorded: RecordedRegistryCall[] = [];
  private readonly content: ReadonlyMap<string, readonly string[]>;

  constructor(content: RegistryContent = DEFAULT_REGISTRY_CONTENT) {
    this.content = new Map(
      Object.entries(content).map(([repository, tags]) => [
        repository,
        [...new Set(tags)].sort(byCodeUnit),
      ]),
    );
  }

  /** The digest the registry reports for `repository:tag`. */
  static digestOf(repository: string, tag: string): string {
    return `sha256:${createHash('sha256').update(`${repository}:${tag}`).digest('hex')}`;
  }

  /** Every call, in order. */
  get calls(): readonly RecordedRegistryCall[] {
    return this.recorded;
  }

  async listRepositories(page: PageRequest, signal: AbortSignal): Promise<Page<RepositoryRef>> {
    this.recorded.push({ operation: 'listRepositories', page });
    throwIfAborted(signal);
    const names = [...this.content.keys()].sort(byCodeUnit);
    return paginate(names, page, (name) => ({ name }));
  }

  async listTags(
    repository: string,
    page: PageRequest,
    signal: AbortSignal,
  ): Promise<Page<TagRef>> {
    this.recorded.push({ operation: 'listTags', repository, page });
    throwIfAborted(signal);
    return paginate(this.tagsOf(repository), page, (name) => ({ name }));
  }

  async resolveDigest(
    repository: string,
    reference: string,
    signal: AbortSignal,
  ): Promise<DigestRef> {
    this.recorded.push({ operation: 'resolveDigest', repository, reference });
    throwIfAborted(signal);
    const tags = this.tagsOf(repository);
    const tag = reference.startsWith('sha256:')
      ? tags.find(
          (candidate) => InMemoryRegistryConnector.digestOf(repository, candidate) === reference,
        )
      : tags.find((candidate) => candidate === reference);
    if (tag === undefined) {
      throw notFound(`manifest '${reference}' is not in repository '${repository}'`);
    }
    const digest = InMemoryRegistryConnector.digestOf(repository, tag);
    return {
      repository,
      reference,
      digest,
      mediaType: IN_MEMORY_MANIFEST_MEDIA_TYPE,
      // Derived from the digest so that it is stable, and varied enough to look real.
      sizeBytes: 512 + Number.parseInt(digest.slice('sha256:'.length, 'sha256:'.length + 4), 16),
    };
  }

  private tagsOf(repository: string): readonly string[] {
    const tags = this.content.get(repository);
    if (tags === undefined) throw notFound(`repository '${repository}' does not exist`);
    return tags;
  }
}

function paginate<T>(
  names: readonly string[],
  page: PageRequest,
  toItem: (name: string) => T,
): Page<T> {
  const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new ProviderError('in-memory registry: the page limit must be a positive integer', {
      phase: 'api',
      isTransient: false,
      httpStatus: 400,
    });
  }
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  // Names after the cursor, not an offset: a page stays correct when earlier names are added.
  const remaining =
    after === undefined ? names : names.filter((name) => byCodeUnit(name, after) > 0);
  const items = remaining.slice(0, Math.min(limit, MAX_PAGE_LIMIT));
  const last = items.at(-1);
  return {
    items: items.map(toItem),
    nextCursor: last !== undefined && remaining.length > items.length ? encodeCursor(last) : null,
  };
}

function encodeCursor(lastName: string): string {
  return Buffer.from(`${CURSOR_PREFIX}${lastName}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (
    !decoded.startsWith(CURSOR_PREFIX) ||
    encodeCursor(decoded.slice(CURSOR_PREFIX.length)) !== cursor
  ) {
    throw new ProviderError(
      'in-memory registry: the page cursor is not valid; start again without one',
      {
        phase: 'api',
        isTransient: false,
        httpStatus: 400,
      },
    );
  }
  return decoded.slice(CURSOR_PREFIX.length);
}

function byCodeUnit(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function notFound(message: string): ProviderError {
  return new ProviderError(`in-memory registry: ${message}`, {
    phase: 'api',
    isTransient: false,
    httpStatus: 404,
  });
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new AbortedError();
}
