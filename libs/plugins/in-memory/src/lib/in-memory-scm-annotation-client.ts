import type {
  Clock,
  ScmAnnotationClient,
  ScmCheckRunConclusion,
  ScmCheckRunRequest,
  ScmCheckRunResponse,
  ScmCheckRunStatus,
  ScmCommentRequest,
  ScmCommentResponse,
  ScmOperationResult,
  ScmStatusRequest,
  ScmStatusResponse,
  ScmStatusState,
} from '@stellaops/integrations-plugin-abstractions';
import { ScmResults, systemClock } from '@stellaops/integrations-plugin-abstractions';

export type RecordedScmCall =
  | { readonly operation: 'postComment'; readonly request: ScmCommentRequest }
  | { readonly operation: 'postStatus'; readonly request: ScmStatusRequest }
  | { readonly operation: 'createCheckRun'; readonly request: ScmCheckRunRequest };

export interface StoredComment {
  readonly commentId: string;
  readonly owner: string;
  readonly repository: string;
  readonly pullRequestNumber: number;
  readonly body: string;
  /** The text of the body's first hidden HTML comment, by which an update finds its comment. */
  readonly marker: string | null;
  readonly url: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** 1 when created, incremented by every update that changed the body. */
  readonly revision: number;
}

export interface StoredStatus {
  readonly statusId: string;
  readonly owner: string;
  readonly repository: string;
  readonly commitSha: string;
  readonly state: ScmStatusState;
  readonly context: string;
  readonly description?: string;
  readonly targetUrl?: string;
  readonly createdAt: string;
}

export interface StoredCheckRun {
  readonly checkRunId: string;
  readonly owner: string;
  readonly repository: string;
  readonly headSha: string;
  readonly name: string;
  readonly status: ScmCheckRunStatus;
  readonly conclusion?: ScmCheckRunConclusion;
  readonly request: ScmCheckRunRequest;
  readonly createdAt: string;
}

const MARKER_PATTERN = /<!--([\s\S]*?)-->/;

/** The text inside a body's first HTML comment, trimmed; `null` when there is none (or it is empty). */
export function commentMarker(body: string): string | null {
  const marker = MARKER_PATTERN.exec(body)?.[1]?.trim();
  return marker === undefined || marker === '' ? null : marker;
}

/**
 * An SCM that lives in memory: it keeps every comment, status and check run it is sent and
 * records every call, so a test can assert on what would have reached GitHub or GitLab. Comments
 * follow the update-existing rule of real SCM plugins: a body carrying the marker of an earlier
 * comment on the same pull request edits that comment, and an identical body changes nothing.
 */
export class InMemoryScmAnnotationClient implements ScmAnnotationClient {
  private readonly recorded: RecordedScmCall[] = [];
  private readonly storedComments: StoredComment[] = [];
  private readonly storedStatuses: StoredStatus[] = [];
  private readonly storedCheckRuns: StoredCheckRun[] = [];
  private sequence = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  /** Every call, in order, including refused and aborted ones. */
  get calls(): readonly RecordedScmCall[] {
    return this.recorded;
  }

  comments(owner: string, repository: string, pullRequestNumber: number): StoredComment[] {
    return this.storedComments.filter(
      (comment) =>
        comment.owner === owner &&
        comment.repository === repository &&
        comment.pullRequestNumber === pullRequestNumber,
    );
  }

  /** Every status posted for a commit, oldest first (a provider shows the newest per context). */
  statuses(owner: string, repository: string, commitSha: string): StoredStatus[] {
    return this.storedStatuses.filter(
      (status) =>
        status.owner === owner &&
        status.repository === repository &&
        status.commitSha === commitSha,
    );
  }

  checkRuns(owner: string, repository: string, headSha: string): StoredCheckRun[] {
    return this.storedCheckRuns.filter(
      (run) => run.owner === owner && run.repository === repository && run.headSha === headSha,
    );
  }

  async postComment(
    request: ScmCommentRequest,
    signal: AbortSignal,
  ): Promise<ScmOperationResult<ScmCommentResponse>> {
    this.recorded.push({ operation: 'postComment', request });
    if (signal.aborted) return aborted();
    const invalid =
      invalidTarget(request.owner, request.repository) ??
      (Number.isInteger(request.pullRequestNumber) && request.pullRequestNumber > 0
        ? undefined
        : 'pullRequestNumber must be a positive integer') ??
      (request.body.trim() === '' ? 'the comment body is empty' : undefined);
    if (invalid !== undefined) return ScmResults.failed(invalid, false);

    const onPullRequest = this.comments(
      request.owner,
      request.repository,
      request.pullRequestNumber,
    );
    const marker = commentMarker(request.body);
    let existing: StoredComment | undefined;
    if (request.commentId !== undefined) {
      existing = onPullRequest.find((comment) => comment.commentId === request.commentId);
      if (existing === undefined) {
        return ScmResults.failed(
          `comment ${request.commentId} is not on ${request.owner}/${request.repository}#${request.pullRequestNumber}`,
          false,
        );
      }
    } else if ((request.updateExisting ?? true) && marker !== null) {
      existing = onPullRequest.findLast((comment) => comment.marker === marker);
    }

    if (existing === undefined) {
      const commentId = this.nextId();
      const created: StoredComment = {
        commentId,
        owner: request.owner,
        repository: request.repository,
        pullRequestNumber: request.pullRequestNumber,
        body: request.body,
        marker,
        url: `memory://${request.owner}/${request.repository}/pull/${request.pullRequestNumber}#comment-${commentId}`,
        createdAt: this.now(),
        updatedAt: this.now(),
        revision: 1,
      };
      this.storedComments.push(created);
      return ScmResults.ok({ commentId, url: created.url, action: 'created' });
    }
    if (existing.body === request.body) {
      return ScmResults.ok({
        commentId: existing.commentId,
        url: existing.url,
        action: 'unchanged',
      });
    }
    const updated: StoredComment = {
      ...existing,
      body: request.body,
      marker,
      updatedAt: this.now(),
      revision: existing.revision + 1,
    };
    this.storedComments.splice(this.storedComments.indexOf(existing), 1, updated);
    return ScmResults.ok({ commentId: updated.commentId, url: updated.url, action: 'updated' });
  }

  async postStatus(
    request: ScmStatusRequest,
    signal: AbortSignal,
  ): Promise<ScmOperationResult<ScmStatusResponse>> {
    this.recorded.push({ operation: 'postStatus', request });
    if (signal.aborted) return aborted();
    const invalid =
      invalidTarget(request.owner, request.repository) ??
      (request.commitSha.trim() === '' ? 'commitSha is empty' : undefined) ??
      (request.context.trim() === '' ? 'the status context is empty' : undefined);
    if (invalid !== undefined) return ScmResults.failed(invalid, false);
    const stored: StoredStatus = {
      statusId: this.nextId(),
      owner: request.owner,
      repository: request.repository,
      commitSha: request.commitSha,
      state: request.state,
      context: request.context,
      ...(request.description === undefined ? {} : { description: request.description }),
      ...(request.targetUrl === undefined ? {} : { targetUrl: request.targetUrl }),
      createdAt: this.now(),
    };
    this.storedStatuses.push(stored);
    return ScmResults.ok({
      statusId: stored.statusId,
      state: stored.state,
      context: stored.context,
      url: `memory://${request.owner}/${request.repository}/commit/${request.commitSha}/statuses/${stored.statusId}`,
    });
  }

  async createCheckRun(
    request: ScmCheckRunRequest,
    signal: AbortSignal,
  ): Promise<ScmOperationResult<ScmCheckRunResponse>> {
    this.recorded.push({ operation: 'createCheckRun', request });
    if (signal.aborted) return aborted();
    const invalid =
      invalidTarget(request.owner, request.repository) ??
      (request.headSha.trim() === '' ? 'headSha is empty' : undefined) ??
      (request.name.trim() === '' ? 'the check run name is empty' : undefined);
    if (invalid !== undefined) return ScmResults.failed(invalid, false);
    const status = request.status ?? (request.conclusion === undefined ? 'queued' : 'completed');
    const stored: StoredCheckRun = {
      checkRunId: this.nextId(),
      owner: request.owner,
      repository: request.repository,
      headSha: request.headSha,
      name: request.name,
      status,
      ...(request.conclusion === undefined ? {} : { conclusion: request.conclusion }),
      request,
      createdAt: this.now(),
    };
    this.storedCheckRuns.push(stored);
    return ScmResults.ok({
      checkRunId: stored.checkRunId,
      url: `memory://${request.owner}/${request.repository}/runs/${stored.checkRunId}`,
      status,
      ...(request.conclusion === undefined ? {} : { conclusion: request.conclusion }),
      annotationCount: request.annotations?.length ?? 0,
    });
  }

  private nextId(): string {
    this.sequence += 1;
    return String(this.sequence);
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

function invalidTarget(owner: string, repository: string): string | undefined {
  if (owner.trim() === '') return 'owner is empty';
  if (repository.trim() === '') return 'repository is empty';
  return undefined;
}

function aborted<T>(): ScmOperationResult<T> {
  return ScmResults.failed('the operation was aborted by its caller', true);
}
