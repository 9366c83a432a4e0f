const META_FRAMES = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Where a frame's code lives, coarse enough to say which layer the time goes to. */
export function areaOf(callFrame) {
  const { url, functionName } = callFrame;
  if (META_FRAMES.has(functionName)) return functionName;
  if (url === '') return '(native / V8 builtins)';
  if (url.startsWith('node:')) return 'node core';
  // The last node_modules segment: a package nested inside another is its own area.
  const modules = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
  if (modules.length > 0) return modules[modules.length - 1][1];
  const project = /\/(apps\/[^/]+|libs\/(?:plugins\/)?[^/]+)\//.exec(url);
  if (project !== null) return project[1];
  const tool = /\/(tools\/.*)\/[^/]*$/.exec(url);
  if (tool !== null) return tool[1];
  return url.replace(/^file:\/\//, '');
}

/**
 * Self time per function and per area of a V8 .cpuprofile. Sample intervals come from
 * `timeDeltas` (sample i lasted until sample i+1), which is exact where `hitCount` is not.
 * `mapFrame` may move a frame to its original source (a bundle's, through its source map).
 */
export function summarizeCpuProfile(profile, top = 25, mapFrame = (frame) => frame) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const next = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : 0;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, next));
  }
  const byFunction = new Map();
  const byArea = new Map();
  let totalUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = nodes.get(id);
    if (node === undefined) continue;
    const frame = mapFrame(node.callFrame);
    const area = areaOf(frame);
    totalUs += us;
    if (frame.functionName !== '(idle)') busyUs += us;
    const key = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    const entry = byFunction.get(key) ?? { name: key, area, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  const share = (us) => (busyUs > 0 ? (100 * us) / busyUs : 0);
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    functions: [...byFunction.values()]
      .filter((entry) => entry.name.split(' ')[0] !== '(idle)')
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((entry) => ({
        name: entry.name,
        area: entry.area,
        ms: entry.us / 1000,
        percent: share(entry.us),
      })),
    areas: [...byArea.entries()]
      .filter(([area]) => area !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, ms: us / 1000, percent: share(us) })),
  };
}

function shortUrl(url) {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const workspace = /\/((?:apps|libs|tools)\/.*)$/.exec(url);
  if (workspace !== null) return workspace[1];
  return url.replace(/^file:\/\//, '');
}
