/**
 * Ending a launched run's whole process tree: the script and whatever it started (data-loader
 * workers, `torchrun` children, shells). Launched processes lead their own process group, but a
 * child may leave it (`setsid`), so descendants are also found by parent pid and signalled one by one.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Pids of every descendant of the `roots` (not the roots themselves), found through /proc or `ps`. */
export function descendants(...roots: number[]): number[] {
  const parents = parentTable();
  const children = new Map<number, number[]>();
  for (const [child, parent] of parents) {
    const list = children.get(parent) ?? [];
    list.push(child);
    children.set(parent, list);
  }
  const found = new Set<number>();
  const queue = [...roots];
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      if (found.has(c) || roots.includes(c)) continue;
      found.add(c);
      queue.push(c);
    }
  }
  return [...found];
}

function parentTable(): [number, number][] {
  if (fs.existsSync('/proc/self/stat')) {
    const rows: [number, number][] = [];
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        // `pid (comm) state ppid …`; comm may hold spaces and parentheses, so read after the last ')'.
        const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        rows.push([Number(name), ppid]);
      } catch { /* it exited meanwhile */ }
    }
    return rows;
  }
  try {
    const out = execFileSync('ps', ['-A', '-o', 'pid=', '-o', 'ppid='], { encoding: 'utf8', timeout: 5000 });
    return out.split('\n').map((l) => l.trim().split(/\s+/).map(Number)).filter((r) => r.length === 2 && r.every(Number.isInteger)) as [number, number][];
  } catch {
    return [];
  }
}

/**
 * Sends `signal` to `pid`, its process group, every descendant, and the `known` pids of an earlier
 * call (a second signal after the first must still reach children whose parent already died:
 * they were re-parented, and the link to `pid` is gone). Returns every pid it signalled.
 * Windows has no signals to forward: `taskkill /T /F` ends the tree at once.
 */
export function signalTree(pid: number, signal: NodeJS.Signals, known: number[] = []): number[] {
  if (process.platform === 'win32') {
    try { execFileSync('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', timeout: 10000 }); } catch { /* already gone */ }
    return [pid];
  }
  const targets = [...new Set([pid, ...known, ...descendants(pid, ...known)])];
  try { process.kill(-pid, signal); } catch { /* not a group leader, or the group is gone */ }
  for (const target of targets) {
    try { process.kill(target, signal); } catch { /* gone, or not ours */ }
  }
  return targets;
}

/** Whether the process still runs. A zombie (exited, not yet reaped by its parent) does not. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: what kill(0) said
  }
}
