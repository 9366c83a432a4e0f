// Memory of a process and all its descendants, read from /proc (Linux).
import fs from 'node:fs';

function children(pid) {
  const path = `/proc/${pid}/task/${pid}/children`;
  try {
    return fs.readFileSync(path, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function descendants(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...children(all[i]));
  return all;
}

function kib(text, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match === null ? 0 : Number(match[1]);
}

/**
 * RSS summed over the tree counts PostgreSQL's shared buffers once per backend that touched them;
 * PSS divides shared pages among their users, so its sum is what the tree really holds.
 */
export function treeMemory(pid) {
  let rssKib = 0;
  let pssKib = 0;
  const processes = [];
  for (const member of descendants(pid)) {
    try {
      const status = fs.readFileSync(`/proc/${member}/status`, 'utf8');
      const rollup = fs.readFileSync(`/proc/${member}/smaps_rollup`, 'utf8');
      const name = /^Name:\s+(.+)$/m.exec(status)?.[1] ?? '?';
      const rss = kib(status, 'VmRSS');
      const pss = kib(rollup, 'Pss');
      rssKib += rss;
      pssKib += pss;
      processes.push({ pid: member, name, rssMb: rss / 1024, pssMb: pss / 1024 });
    } catch {
      // Gone while we looked.
    }
  }
  return { rssMb: rssKib / 1024, pssMb: pssKib / 1024, processes };
}
