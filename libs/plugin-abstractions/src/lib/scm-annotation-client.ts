/** The seed's `IScmAnnotationClient` records, camelCased. */

export type ScmStatusState = 'pending' | 'success' | 'failure' | 'error';

export interface ScmCommentRequest {
  readonly owner: string;
  readonly repository: string;
  readonly pullRequestNumber: number;
  readonly body: string;
  /** The comment to update, when known. */
  readonly commentId?: string;
  /** Update the plugin's earlier comment (found by its hidden marker) instead of adding one. Default true. */
  readonly updateExisting?: boolean;
}

export interface ScmStatusRequest {
  readonly owner: string;
  readonly repository: string;
  readonly commitSha: string;
  readonly state: ScmStatusState;
  readonly context: string;
  readonly description?: string;
  readonly targetUrl?: string;
}

export type ScmAnnotationLevel = 'notice' | 'warning' | 'failure';

export interface ScmCheckRunAnnotation {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly annotationLevel: ScmAnnotationLevel;
  readonly message: string;
  readonly title?: string;
}

export type ScmCheckRunStatus = 'queued' | 'in_progress' | 'completed';
export type ScmCheckRunConclusion =
  'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';

export interface ScmCheckRunRequest {
  readonly owner: string;
  readonly repository: string;
  readonly headSha: string;
  readonly name: string;
  readonly status?: ScmCheckRunStatus;
  readonly conclusion?: ScmCheckRunConclusion;
  readonly summary?: string;
  readonly text?: string;
  readonly annotations?: readonly ScmCheckRunAnnotation[];
}

export interface ScmCommentResponse {
  readonly commentId: string;
  readonly url?: string;
  /** `created` for a new comment, `updated` for an edited one, `unchanged` when the body matched. */
  readonly action: 'created' | 'updated' | 'unchanged';
}

export interface ScmStatusResponse {
  readonly statusId?: string;
  readonly state: ScmStatusState;
  readonly context: string;
  readonly url?: string;
}

export interface ScmCheckRunResponse {
  readonly checkRunId: string;
  readonly url?: string;
  readonly status: ScmCheckRunStatus;
  readonly conclusion?: ScmCheckRunConclusion;
  readonly annotationCount: number;
}

export interface ScmOperationResult<T> {
  readonly success: boolean;
  readonly result?: T;
  readonly errorMessage?: string;
  /** Retry-able: rate limits and network failures; auth and not-found are not. */
  readonly isTransient: boolean;
  /** The host is offline: nothing was sent, and the payload was kept for manual posting. */
  readonly skippedOffline: boolean;
}

export interface ScmAnnotationClient {
  postComment(
    request: ScmCommentRequest,
    signal: AbortSignal,
  ): Promise<ScmOperationResult<ScmCommentResponse>>;
  postStatus(
    request: ScmStatusRequest,
    signal: AbortSignal,
  ): Promise<ScmOperationResult<ScmStatusResponse>>;
  createCheckRun(
    request: ScmCheckRunRequest,
    signal: AbortSignal,
  ): Promise<ScmOperationResult<ScmCheckRunResponse>>;
}

export const ScmResults = {
  ok<T>(result: T): ScmOperationResult<T> {
    return { success: true, result, isTransient: false, skippedOffline: false };
  },
  failed<T>(errorMessage: string, isTransient: boolean): ScmOperationResult<T> {
    return { success: false, errorMessage, isTransient, skippedOffline: false };
  },
  skippedOffline<T>(reason = 'offline mode: nothing was sent'): ScmOperationResult<T> {
    return { success: false, errorMessage: reason, isTransient: false, skippedOffline: true };
  },
} as const;
