import type {
  ScmCheckRunResponse,
  ScmCommentResponse,
  ScmOperationResult,
  ScmStatusResponse,
} from '../src/index';
import { ScmResults } from '../src/index';
import type { Equal, OptionalKeys } from './expect-type';
import { expectTrue, expectType } from './expect-type';

// The seed's shape: `result` and `errorMessage` are optional; the flags are not.
expectTrue<
  Equal<OptionalKeys<ScmOperationResult<ScmCommentResponse>>, 'result' | 'errorMessage'>
>();
expectTrue<Equal<ScmOperationResult<ScmStatusResponse>['result'], ScmStatusResponse | undefined>>();
expectTrue<Equal<ScmOperationResult<ScmCheckRunResponse>['skippedOffline'], boolean>>();

expectType<ScmOperationResult<ScmCommentResponse>>({
  success: true,
  result: { commentId: '1', action: 'created' },
  isTransient: false,
  skippedOffline: false,
});
expectType<ScmOperationResult<ScmCommentResponse>>({
  success: false,
  errorMessage: 'rate limited',
  isTransient: true,
  skippedOffline: false,
});

// The result constructors infer T, or take it from where the result goes.
expectTrue<
  Equal<ReturnType<typeof ScmResults.ok<ScmStatusResponse>>, ScmOperationResult<ScmStatusResponse>>
>();
const created = ScmResults.ok({
  checkRunId: '9',
  status: 'completed',
  annotationCount: 3,
} as const);
expectType<ScmOperationResult<ScmCheckRunResponse>>(created);
expectType<ScmOperationResult<ScmCommentResponse>>(ScmResults.failed('not found', false));
expectType<ScmOperationResult<ScmStatusResponse>>(ScmResults.skippedOffline());

// @ts-expect-error -- skippedOffline is required
expectType<ScmOperationResult<ScmCommentResponse>>({ success: true, isTransient: false });
expectType<ScmOperationResult<ScmCommentResponse>>({
  success: true,
  // @ts-expect-error -- the result has the operation's response type
  result: { statusId: '1', state: 'success', context: 'scan' },
  isTransient: false,
  skippedOffline: false,
});
// @ts-expect-error -- a comment's action is created, updated or unchanged
expectType<ScmCommentResponse>({ commentId: '1', action: 'deleted' });
