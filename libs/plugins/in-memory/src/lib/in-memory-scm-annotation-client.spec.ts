import { ManualClock } from '@stellaops/integrations-testing';
import { InMemoryScmAnnotationClient, commentMarker } from './in-memory-scm-annotation-client';

const never = new AbortController().signal;
const pr = { owner: 'acme', repository: 'api', pullRequestNumber: 7 };
const marked = (text: string): string => `<!-- stellaops:scan -->\n${text}`;

describe('commentMarker', () => {
  it('is the trimmed text of the first HTML comment', () => {
    expect(commentMarker('<!--  stellaops:scan id=1 -->\nbody <!-- other -->')).toBe(
      'stellaops:scan id=1',
    );
    expect(commentMarker('no marker')).toBeNull();
    expect(commentMarker('<!--   -->')).toBeNull();
  });
});

describe('InMemoryScmAnnotationClient comments', () => {
  it('creates, then updates the comment carrying the same marker, then leaves an identical body alone', async () => {
    const clock = new ManualClock('2026-02-01T00:00:00.000Z');
    const client = new InMemoryScmAnnotationClient(clock);

    const created = await client.postComment({ ...pr, body: marked('2 findings') }, never);
    clock.advance(1000);
    const updated = await client.postComment({ ...pr, body: marked('1 finding') }, never);
    const unchanged = await client.postComment({ ...pr, body: marked('1 finding') }, never);

    expect(created).toEqual({
      success: true,
      isTransient: false,
      skippedOffline: false,
      result: { commentId: '1', url: 'memory://acme/api/pull/7#comment-1', action: 'created' },
    });
    expect(updated.result).toEqual({
      commentId: '1',
      url: 'memory://acme/api/pull/7#comment-1',
      action: 'updated',
    });
    expect(unchanged.result?.action).toBe('unchanged');
    expect(client.comments('acme', 'api', 7)).toEqual([
      expect.objectContaining({
        commentId: '1',
        body: marked('1 finding'),
        marker: 'stellaops:scan',
        revision: 2,
        createdAt: '2026-02-01T00:00:00.000Z',
        updatedAt: '2026-02-01T00:00:01.000Z',
      }),
    ]);
    expect(client.calls).toHaveLength(3);
  });

  it('adds a new comment when asked not to update, when there is no marker, or on another pull request', async () => {
    const client = new InMemoryScmAnnotationClient();

    await client.postComment({ ...pr, body: marked('a') }, never);
    const notUpdating = await client.postComment(
      { ...pr, body: marked('b'), updateExisting: false },
      never,
    );
    const plain1 = await client.postComment({ ...pr, body: 'same' }, never);
    const plain2 = await client.postComment({ ...pr, body: 'same' }, never);
    const otherPr = await client.postComment(
      { ...pr, pullRequestNumber: 8, body: marked('a') },
      never,
    );

    expect([notUpdating, plain1, plain2, otherPr].map((result) => result.result?.action)).toEqual([
      'created',
      'created',
      'created',
      'created',
    ]);
    expect(client.comments('acme', 'api', 7)).toHaveLength(4);
    expect(client.comments('acme', 'api', 8)).toHaveLength(1);
  });

  it('updates the newest comment with the marker when there are several', async () => {
    const client = new InMemoryScmAnnotationClient();
    await client.postComment({ ...pr, body: marked('first') }, never);
    await client.postComment({ ...pr, body: marked('second'), updateExisting: false }, never);

    const result = await client.postComment({ ...pr, body: marked('third') }, never);

    expect(result.result).toMatchObject({ commentId: '2', action: 'updated' });
    expect(client.comments('acme', 'api', 7).map((comment) => comment.body)).toEqual([
      marked('first'),
      marked('third'),
    ]);
  });

  it('edits a comment named by id, and refuses an id that is not on the pull request', async () => {
    const client = new InMemoryScmAnnotationClient();
    await client.postComment({ ...pr, body: 'plain' }, never);

    const edited = await client.postComment({ ...pr, commentId: '1', body: 'edited' }, never);
    const missing = await client.postComment(
      { ...pr, pullRequestNumber: 9, commentId: '1', body: 'x' },
      never,
    );

    expect(edited.result).toMatchObject({ commentId: '1', action: 'updated' });
    expect(missing).toEqual({
      success: false,
      errorMessage: 'comment 1 is not on acme/api#9',
      isTransient: false,
      skippedOffline: false,
    });
  });

  it.each([
    [{ ...pr, owner: ' ' }, 'owner is empty'],
    [{ ...pr, repository: '' }, 'repository is empty'],
    [{ ...pr, pullRequestNumber: 0 }, 'pullRequestNumber must be a positive integer'],
    [{ ...pr, body: '  ' }, 'the comment body is empty'],
  ])('refuses %j permanently', async (request, errorMessage) => {
    const client = new InMemoryScmAnnotationClient();

    const result = await client.postComment({ body: 'text', ...request }, never);

    expect(result).toMatchObject({ success: false, isTransient: false, errorMessage });
    expect(client.comments(request.owner, request.repository, request.pullRequestNumber)).toEqual(
      [],
    );
  });

  it('reports an aborted call as transient, records it and changes nothing', async () => {
    const client = new InMemoryScmAnnotationClient();

    const result = await client.postComment({ ...pr, body: 'x' }, AbortSignal.abort());

    expect(result).toMatchObject({ success: false, isTransient: true });
    expect(client.calls).toEqual([{ operation: 'postComment', request: { ...pr, body: 'x' } }]);
    expect(client.comments('acme', 'api', 7)).toEqual([]);
  });
});

describe('InMemoryScmAnnotationClient statuses and check runs', () => {
  const commit = { owner: 'acme', repository: 'api', commitSha: 'abc123' };

  it('keeps every status of a commit in order', async () => {
    const client = new InMemoryScmAnnotationClient(new ManualClock());

    const pending = await client.postStatus(
      { ...commit, state: 'pending', context: 'stellaops/scan' },
      never,
    );
    await client.postStatus(
      {
        ...commit,
        state: 'failure',
        context: 'stellaops/scan',
        description: '2 critical',
        targetUrl: 'https://x.test/r/1',
      },
      never,
    );

    expect(pending.result).toEqual({
      statusId: '1',
      state: 'pending',
      context: 'stellaops/scan',
      url: 'memory://acme/api/commit/abc123/statuses/1',
    });
    expect(
      client.statuses('acme', 'api', 'abc123').map((status) => [status.state, status.description]),
    ).toEqual([
      ['pending', undefined],
      ['failure', '2 critical'],
    ]);
    expect(client.statuses('acme', 'api', 'other')).toEqual([]);
  });

  it('refuses a status without a context', async () => {
    const result = await new InMemoryScmAnnotationClient().postStatus(
      { ...commit, state: 'success', context: '' },
      never,
    );
    expect(result).toMatchObject({ success: false, errorMessage: 'the status context is empty' });
  });

  it('creates check runs, counting annotations and deriving the status', async () => {
    const client = new InMemoryScmAnnotationClient();
    const run = { owner: 'acme', repository: 'api', headSha: 'abc123', name: 'StellaOps scan' };

    const completed = await client.createCheckRun(
      {
        ...run,
        conclusion: 'failure',
        annotations: [
          {
            path: 'a.ts',
            startLine: 1,
            endLine: 1,
            annotationLevel: 'failure',
            message: 'CVE-2026-1',
          },
          { path: 'b.ts', startLine: 2, endLine: 3, annotationLevel: 'notice', message: 'info' },
        ],
      },
      never,
    );
    const queued = await client.createCheckRun(run, never);

    expect(completed.result).toEqual({
      checkRunId: '1',
      url: 'memory://acme/api/runs/1',
      status: 'completed',
      conclusion: 'failure',
      annotationCount: 2,
    });
    expect(queued.result).toMatchObject({ status: 'queued', annotationCount: 0 });
    expect(client.checkRuns('acme', 'api', 'abc123').map((stored) => stored.checkRunId)).toEqual([
      '1',
      '2',
    ]);
  });
});
