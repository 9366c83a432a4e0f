export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

export interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: CallFrame }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface CpuProfileSummary {
  readonly totalMs: number;
  readonly busyMs: number;
  readonly functions: { name: string; area: string; ms: number; percent: number }[];
  readonly areas: { area: string; ms: number; percent: number }[];
}

export function areaOf(callFrame: CallFrame): string;
export function summarizeCpuProfile(
  profile: CpuProfile,
  top?: number,
  mapFrame?: (frame: CallFrame) => CallFrame,
): CpuProfileSummary;
