import fs from 'node:fs';
import path from 'node:path';

interface LinkEntry {
  readonly source: string;
  readonly target: string;
}

/**
 * npm tarballs carry no symbolic links: the binaries package lists the links its shared libraries
 * need (`libicuuc.so.60 -> libicuuc.so.60.2`, …) in `native/pg-symlinks.json` and makes them in a
 * postinstall script, which an install without scripts (`--ignore-scripts`, npm's allowScripts)
 * never runs. Makes the missing ones in `nativeDir`; false when it may not write there.
 */
export function ensureLibraryLinks(nativeDir: string): boolean {
  let links: LinkEntry[];
  try {
    links = JSON.parse(
      fs.readFileSync(path.join(nativeDir, 'pg-symlinks.json'), 'utf8'),
    ) as LinkEntry[];
  } catch {
    return true;
  }
  const inNative = (entry: string) => path.join(nativeDir, entry.replace(/^native\//, ''));
  for (const { source, target } of links) {
    const link = inNative(target);
    try {
      fs.lstatSync(link);
      continue;
    } catch {
      // Missing: make it below.
    }
    try {
      fs.symlinkSync(path.relative(path.dirname(link), inNative(source)), link);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return false;
      throw error;
    }
  }
  return true;
}
