export interface PageRequest {
  /** An opaque cursor from an earlier page's `nextCursor`. */
  readonly cursor?: string;
  readonly limit?: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** `null` on the last page. */
  readonly nextCursor: string | null;
}

export interface RepositoryRef {
  readonly name: string;
}

export interface TagRef {
  readonly name: string;
}

export interface DigestRef {
  readonly repository: string;
  readonly reference: string;
  /** `sha256:...` */
  readonly digest: string;
  readonly mediaType?: string;
  readonly sizeBytes?: number;
}

/**
 * Lists what a registry holds. Methods reject with a `ProviderError` (which carries the phase and
 * whether a retry may help) rather than returning partial pages.
 */
export interface RegistryConnector {
  listRepositories(page: PageRequest, signal: AbortSignal): Promise<Page<RepositoryRef>>;
  listTags(repository: string, page: PageRequest, signal: AbortSignal): Promise<Page<TagRef>>;
  resolveDigest(repository: string, reference: string, signal: AbortSignal): Promise<DigestRef>;
}
