import fs from 'node:fs';

// USER_HZ: Linux reports utime/stime in these ticks on every architecture we run on.
const TICKS_PER_SECOND = 100;
/** PostgreSQL processes that work for every session's writes; counted along with our backends. */
const SHARED_BACKEND_TYPES = [
  'walwriter',
  'background writer',
  'checkpointer',
  'autovacuum worker',
];

function processCpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

function postgresCpuByPid() {
  const byPid = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue;
    }
    const ms = processCpuMs(entry);
    if (ms !== undefined) byPid.set(Number(entry), ms);
  }
  return byPid;
}

/** Local ports of `pid`'s TCP connections to `remotePort` (IPv4 and IPv6). */
export function connectedLocalPorts(pid, remotePort) {
  const inodes = new Set();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match !== null) inodes.add(match[1]);
    } catch {
      // The descriptor was closed between the listing and the read.
    }
  }
  const ports = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || !inodes.has(fields[9])) continue;
      const local = parseInt(fields[1].split(':')[1], 16);
      const remote = parseInt(fields[2].split(':')[1], 16);
      if (remote === remotePort) ports.push(local);
    }
  }
  return ports;
}

/**
 * CPU time (ms) used so far by the server under test, by every local PostgreSQL process and by
 * this process (the load generator). See `cpuDelta`.
 */
export function cpuSnapshot(serverPid) {
  const own = process.cpuUsage();
  return {
    serverMs: processCpuMs(serverPid) ?? 0,
    postgres: postgresCpuByPid(),
    loadMs: (own.user + own.system) / 1000,
  };
}

/**
 * What a round cost. PostgreSQL's share counts only the backends serving the server under test
 * (found through its sockets) and the processes that serve every session's writes, so that other
 * work on a shared database server stays out of it as far as it can.
 */
export async function cpuDelta(before, after, { serverPid, admin, postgresPort }) {
  const ports = connectedLocalPorts(serverPid, postgresPort);
  const { rows } = await admin.query(
    `SELECT pid FROM pg_stat_activity
      WHERE (client_port = ANY($1::int[]) AND client_addr IN ('127.0.0.1', '::1'))
         OR backend_type = ANY($2::text[])`,
    [ports, SHARED_BACKEND_TYPES],
  );
  let postgresMs = 0;
  for (const { pid } of rows) {
    const end = after.postgres.get(pid);
    if (end !== undefined) postgresMs += end - (before.postgres.get(pid) ?? 0);
  }
  return {
    serverMs: after.serverMs - before.serverMs,
    postgresMs,
    postgresBackends: ports.length,
    loadMs: after.loadMs - before.loadMs,
  };
}
