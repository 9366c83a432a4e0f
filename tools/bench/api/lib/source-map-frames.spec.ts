import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sourceMapFrames } from './source-map-frames.mjs';
import { areaOf } from './summarize-cpu-profile.mjs';

describe('sourceMapFrames', () => {
  let dir: string;
  let bundleUrl: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'source-map-frames-'));
    fs.mkdirSync(path.join(dir, 'dist'));
    const bundle = path.join(dir, 'dist', 'main.js');
    fs.writeFileSync(bundle, 'a();\nb();\n');
    // Line 1 comes from pg's client.js (line 1), line 2 from the app's source (line 1).
    fs.writeFileSync(
      `${bundle}.map`,
      JSON.stringify({
        version: 3,
        sources: ['../node_modules/pg/lib/client.js', '../apps/svc/src/a.js'],
        names: [],
        mappings: 'AAAA;ACAA',
      }),
    );
    bundleUrl = pathToFileURL(bundle).href;
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('moves a bundled frame to its original file and line', () => {
    const mapFrame = sourceMapFrames();
    const first = mapFrame({
      functionName: 'query',
      url: bundleUrl,
      lineNumber: 0,
      columnNumber: 0,
    });
    expect(first).toEqual({
      functionName: 'query',
      url: pathToFileURL(path.join(dir, 'node_modules/pg/lib/client.js')).href,
      lineNumber: 0,
      columnNumber: 0,
    });
    expect(areaOf(first)).toBe('pg');
    const second = mapFrame({
      functionName: 'list',
      url: bundleUrl,
      lineNumber: 1,
      columnNumber: 0,
    });
    expect(areaOf(second)).toBe('apps/svc');
  });

  it('leaves frames without a source map as they are', () => {
    const mapFrame = sourceMapFrames();
    const builtin = { functionName: 'emit', url: 'node:events', lineNumber: 3, columnNumber: 1 };
    const unmapped = {
      functionName: 'x',
      url: pathToFileURL(path.join(dir, 'nothing.js')).href,
      lineNumber: 0,
      columnNumber: 0,
    };
    expect(mapFrame(builtin)).toBe(builtin);
    expect(mapFrame(unmapped)).toBe(unmapped);
  });

  it('leaves the frames of installed packages in place, whatever maps they ship', () => {
    const installed = path.join(dir, 'node_modules', 'pkg', 'index.js');
    fs.mkdirSync(path.dirname(installed), { recursive: true });
    fs.copyFileSync(path.join(dir, 'dist', 'main.js.map'), `${installed}.map`);
    const frame = {
      functionName: 'f',
      url: pathToFileURL(installed).href,
      lineNumber: 0,
      columnNumber: 0,
    };
    expect(sourceMapFrames()(frame)).toBe(frame);
  });
});
