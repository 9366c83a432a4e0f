import type { CallFrame } from './summarize-cpu-profile.mjs';

export function sourceMapFrames(): (frame: CallFrame) => CallFrame;
