import { randomInt } from 'node:crypto';
import type { TestApp } from '../testing/test-app';
import { signToken, startTestApp } from '../testing/test-app';

const ROWS = 1_000;

/** Fisher-Yates with crypto randomness: registration order has nothing to do with name order. */
function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

async function inBatches<T>(
  items: T[],
  size: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(work));
  }
}

describe('list pagination over HTTP', () => {
  let t: TestApp;
  let token: string;
  const names = Array.from({ length: ROWS }, (_, i) => {
    // Mixed case, digits and punctuation, with some shared prefixes, to exercise the collation.
    const stem = ['alpha', 'Beta', 'gamma', 'delta-', 'Zeta_', 'eta.'][i % 6];
    return `${stem}${String((i * 7919) % 10_007).padStart(5, '0')}`;
  });

  beforeAll(async () => {
    t = await startTestApp();
    token = await signToken({ tenant: 'paging' });
    await inBatches(shuffled(names), 16, async (name) => {
      const index = names.indexOf(name);
      const created = await t.request('POST', '/api/v1/integrations', {
        token,
        body: {
          name,
          type: 'scm',
          provider: 'in-memory',
          endpoint: 'https://scm.example.test',
          settings: {},
          credentials: {},
          tags: index % 3 === 0 ? ['third'] : [],
        },
      });
      if (created.status !== 201) throw new Error(`seed failed: ${created.status} ${created.text}`);
    });
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    await t?.backend.dispose();
  });

  async function readAll(
    query: string,
    limit: number,
  ): Promise<{ names: string[]; pages: number }> {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const cursorPart: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await t.request(
        'GET',
        `/api/v1/integrations?limit=${limit}${query}${cursorPart}`,
        { token },
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.body.items.map((item: { name: string }) => item.name));
      cursor = page.body.nextCursor;
      pages++;
      if (pages > ROWS + 1) throw new Error('pagination does not end');
    } while (cursor !== null);
    return { names: seen, pages };
  }

  // Byte order, the same on every PostgreSQL whatever the server's locale.
  const byteOrder = (a: string, b: string): number => (Buffer.from(a) < Buffer.from(b) ? -1 : 1);

  it.each([1, 7, 50, 500])(
    'returns every row exactly once, in order, with limit %i',
    async (limit) => {
      const { names: seen, pages } = await readAll('', limit);
      expect(seen).toHaveLength(ROWS);
      expect(new Set(seen).size).toBe(ROWS);
      expect(seen).toEqual([...names].sort(byteOrder));
      // The last page says so itself (no extra empty page).
      expect(pages).toBe(Math.ceil(ROWS / limit));
    },
    120_000,
  );

  it('pages through a filtered listing exactly once, in order', async () => {
    const { names: seen } = await readAll('&tag=third', 33);
    const expected = names.filter((_, i) => i % 3 === 0).sort(byteOrder);
    expect(seen).toEqual(expected);
    const { names: byQuery } = await readAll('&q=ZETA', 40);
    expect(byQuery).toEqual(names.filter((n) => n.toLowerCase().includes('zeta')).sort(byteOrder));
  }, 120_000);

  it('defaults to 50 and refuses limits outside 1-500', async () => {
    const page = await t.request('GET', '/api/v1/integrations', { token });
    expect(page.body.items).toHaveLength(50);
    expect(page.body.nextCursor).toEqual(expect.any(String));
  });
});
