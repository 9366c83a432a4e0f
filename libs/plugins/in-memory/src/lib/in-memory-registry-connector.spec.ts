import { createHash } from 'node:crypto';
import { ProviderError } from '@stellaops/integrations-plugin-abstractions';
import {
  DEFAULT_REGISTRY_CONTENT,
  InMemoryRegistryConnector,
} from './in-memory-registry-connector';

const never = new AbortController().signal;

describe('InMemoryRegistryConnector', () => {
  it('lists the seeded repositories in name order', async () => {
    const registry = new InMemoryRegistryConnector();

    const page = await registry.listRepositories({}, never);

    expect(page.items.map((item) => item.name)).toEqual(
      Object.keys(DEFAULT_REGISTRY_CONTENT).sort(),
    );
    expect(page.nextCursor).toBeNull();
  });

  it('pages with a cursor through every name exactly once', async () => {
    const registry = new InMemoryRegistryConnector();
    const names: string[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page = await registry.listRepositories(
        cursor ? { cursor, limit: 2 } : { limit: 2 },
        never,
      );
      names.push(...page.items.map((item) => item.name));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);

    expect(pages).toBe(3);
    expect(names).toEqual(Object.keys(DEFAULT_REGISTRY_CONTENT).sort());
  });

  it('keeps a cursor valid when a name is added before it', async () => {
    const first = await new InMemoryRegistryConnector({
      b: ['1'],
      c: ['1'],
      d: ['1'],
    }).listRepositories({ limit: 1 }, never);
    const grown = new InMemoryRegistryConnector({ a: ['1'], b: ['1'], c: ['1'], d: ['1'] });

    const next = await grown.listRepositories({ cursor: first.nextCursor ?? '', limit: 1 }, never);

    expect(next.items).toEqual([{ name: 'c' }]);
  });

  it('lists tags sorted and de-duplicated', async () => {
    const registry = new InMemoryRegistryConnector({ app: ['v2', 'latest', 'v1', 'v2'] });

    const page = await registry.listTags('app', { limit: 2 }, never);
    const rest = await registry.listTags('app', { cursor: page.nextCursor ?? '' }, never);

    expect(page.items).toEqual([{ name: 'latest' }, { name: 'v1' }]);
    expect(rest).toEqual({ items: [{ name: 'v2' }], nextCursor: null });
  });

  it.each([
    ['a forged cursor', { cursor: 'not-a-cursor' }, 'the page cursor is not valid'],
    ['a zero limit', { limit: 0 }, 'the page limit must be a positive integer'],
    ['a fractional limit', { limit: 1.5 }, 'the page limit must be a positive integer'],
  ])('refuses %s as a permanent error', async (_name, page, message) => {
    const error = await new InMemoryRegistryConnector()
      .listRepositories(page, never)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ phase: 'api', isTransient: false, httpStatus: 400 });
    expect((error as Error).message).toContain(message);
  });

  it('answers 404 for a repository or reference it does not have', async () => {
    const registry = new InMemoryRegistryConnector();

    await expect(registry.listTags('nope/nope', {}, never)).rejects.toMatchObject({
      httpStatus: 404,
      isTransient: false,
    });
    await expect(registry.resolveDigest('library/alpine', '9.99', never)).rejects.toMatchObject({
      httpStatus: 404,
    });
  });

  it('resolves a tag, and its digest, to the sha256 of repository:tag', async () => {
    const registry = new InMemoryRegistryConnector();
    const expected = `sha256:${createHash('sha256').update('library/alpine:3.20').digest('hex')}`;

    const byTag = await registry.resolveDigest('library/alpine', '3.20', never);
    const byDigest = await registry.resolveDigest('library/alpine', expected, never);

    expect(byTag).toEqual({
      repository: 'library/alpine',
      reference: '3.20',
      digest: expected,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      sizeBytes: 512 + Number.parseInt(expected.slice(7, 11), 16),
    });
    expect(byDigest).toEqual({ ...byTag, reference: expected });
    expect(InMemoryRegistryConnector.digestOf('library/alpine', '3.20')).toBe(expected);
  });

  it('records every call and rejects an aborted one', async () => {
    const registry = new InMemoryRegistryConnector();

    await registry.listTags('library/nginx', { limit: 1 }, never);
    await expect(
      registry.resolveDigest('library/nginx', 'latest', AbortSignal.abort()),
    ).rejects.toMatchObject({
      name: 'AbortedError',
    });

    expect(registry.calls).toEqual([
      { operation: 'listTags', repository: 'library/nginx', page: { limit: 1 } },
      { operation: 'resolveDigest', repository: 'library/nginx', reference: 'latest' },
    ]);
  });
});
