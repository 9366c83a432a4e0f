import fs from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * A `mapFrame` for `summarizeCpuProfile` that moves frames of a bundled file to the original
 * source, through the `.map` beside it: in a bundle every frame is the bundle's own, and the
 * areas (which package, which layer) would be lost. Frames without a map pass through, and so do
 * frames of installed packages.
 */
export function sourceMapFrames() {
  const maps = new Map();
  const mapOf = (url) => {
    if (!maps.has(url)) {
      let map;
      try {
        const file = fileURLToPath(url);
        const payload = JSON.parse(fs.readFileSync(`${file}.map`, 'utf8'));
        map = { sourceMap: new SourceMap(payload), dir: path.dirname(file) };
      } catch {
        map = undefined;
      }
      maps.set(url, map);
    }
    return maps.get(url);
  };
  return (frame) => {
    // A package's own source map would only move its frames to its TypeScript sources; the
    // package, which is what the summary needs, is already in the path.
    if (!frame.url.startsWith('file://') || frame.url.includes('/node_modules/')) return frame;
    const map = mapOf(frame.url);
    if (map === undefined) return frame;
    const entry = map.sourceMap.findEntry(frame.lineNumber, frame.columnNumber);
    if (entry?.originalSource === undefined) return frame;
    const source = entry.originalSource.startsWith('file://')
      ? entry.originalSource
      : pathToFileURL(path.resolve(map.dir, entry.originalSource)).href;
    return {
      functionName: frame.functionName,
      url: source,
      lineNumber: entry.originalLine,
      columnNumber: entry.originalColumn,
    };
  };
}
