import type { CallFrame } from './summarize-cpu-profile.mjs';
import { areaOf, summarizeCpuProfile } from './summarize-cpu-profile.mjs';

function frame(functionName: string, url = '', lineNumber = 0): CallFrame {
  return { functionName, url, lineNumber, columnNumber: 0 };
}

describe('areaOf', () => {
  it('names the innermost package, the workspace project, node core or a V8 bucket', () => {
    expect(areaOf(frame('parse', 'file:///w/node_modules/pg-protocol/dist/parser.js'))).toBe(
      'pg-protocol',
    );
    expect(
      areaOf(frame('x', 'file:///w/node_modules/@nestjs/core/node_modules/@nestjs/common/a.js')),
    ).toBe('@nestjs/common');
    expect(areaOf(frame('list', 'file:///w/apps/integrations-service/dist/catalog/a.js'))).toBe(
      'apps/integrations-service',
    );
    expect(areaOf(frame('decode', 'file:///w/libs/plugins/in-memory/dist/a.js'))).toBe(
      'libs/plugins/in-memory',
    );
    expect(areaOf(frame('iso', 'file:///w/tools/bench/api/baseline-server.mjs'))).toBe(
      'tools/bench/api',
    );
    expect(areaOf(frame('writeGeneric', 'node:internal/stream_base_commons'))).toBe('node core');
    expect(areaOf(frame('(garbage collector)'))).toBe('(garbage collector)');
    expect(areaOf(frame('JSONStringify'))).toBe('(native / V8 builtins)');
  });
});

describe('summarizeCpuProfile', () => {
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('query', 'file:///w/node_modules/pg/lib/client.js', 9) },
      { id: 4, callFrame: frame('handler', 'file:///w/apps/integrations-service/dist/a.js', 4) },
    ],
    // Each sample lasts until the next one: its duration is the next sample's time delta.
    samples: [3, 3, 4, 2, 4],
    timeDeltas: [0, 1000, 1000, 2000, 6000],
  };

  it('attributes time to the sampled frame and leaves idle time out of the shares', () => {
    const summary = summarizeCpuProfile(profile);
    expect(summary.totalMs).toBe(10);
    expect(summary.busyMs).toBe(4);
    expect(summary.functions).toEqual([
      { name: 'query pg/lib/client.js:10', area: 'pg', ms: 2, percent: 50 },
      {
        name: 'handler apps/integrations-service/dist/a.js:5',
        area: 'apps/integrations-service',
        ms: 2,
        percent: 50,
      },
    ]);
    expect(summary.areas.map((row) => row.area)).toEqual(['pg', 'apps/integrations-service']);
  });

  it('attributes time to the frame that mapFrame gives', () => {
    const summary = summarizeCpuProfile(profile, 25, (callFrame) =>
      callFrame.functionName === 'handler'
        ? { ...callFrame, url: 'file:///w/node_modules/fastify/lib/route.js' }
        : callFrame,
    );
    expect(summary.areas.map((row) => row.area)).toEqual(['pg', 'fastify']);
  });

  it('keeps only the top functions asked for', () => {
    expect(summarizeCpuProfile(profile, 1).functions).toHaveLength(1);
  });
});
