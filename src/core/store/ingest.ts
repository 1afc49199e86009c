import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Catalog } from './catalog';
import { readLines } from '../runlog/lines';
import { readLine, RUN_ID, type MetricPoint, type RunEvent } from '../runlog/events';

/** Where problems and notes go: the output channel in the extension, stderr in the CLI. */
export interface Reporter {
  problem(message: string): void;
  info(message: string): void;
}

export const RUNS_DIR = 'runs';
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** A run that wrote nothing for this long, without ending, is taken as crashed (six missed heartbeats). */
export const STALE_AFTER_MS = 30_000;

export interface IngestStats { files: number; lines: number; runs: number; points: number; problems: number }

/**
 * Reads run logs into the catalog from the byte offset each run has recorded, so a restart resumes
 * where it stopped and nothing is ingested twice. One bad line is reported and skipped; the lines
 * around it are kept.
 */
export class Ingester {
  private unknownReported = new Set<string>();
  private hostname = os.hostname();

  constructor(private readonly catalog: Catalog, private readonly dir: string, private readonly report: Reporter,
    /** Called every thousand logs of a long pass (a rebuild): the writer renews its lock there. */
    private readonly progress: () => void = () => undefined) {}

  /**
   * Every log that may have grown. `full` lists every day folder (a rebuild). Otherwise: the day
   * folders whose mtime changed since they were last listed (a log was created in them, also one
   * that arrived late, copied or pulled, or a run of theirs was resumed), and of those the logs of
   * runs that have not ended, or that grew past their end (a resumed run); plus the logs of runs
   * still running.
   */
  candidates(full: boolean): string[] {
    const root = path.join(this.dir, RUNS_DIR);
    this.linkChecks.clear();
    if (this.linkedFolder(RUNS_DIR)) return [];
    let days: string[];
    try { days = fs.readdirSync(root).filter((d) => DAY.test(d)).sort(); } catch { return []; }
    const seen = full ? {} : this.dayFolderTimes();
    const ended = full ? new Map<string, number>() : this.endedLogs();
    const files = new Set<string>();
    const listed: Record<string, number> = {};
    for (const day of days) {
      let mtime: number;
      try {
        const st = fs.lstatSync(path.join(root, day));
        if (st.isSymbolicLink()) { this.linkedFolder(`${RUNS_DIR}/${day}`); continue; }
        mtime = st.mtimeMs;
      } catch { continue; }
      if (seen[day] === mtime) continue;
      let names: string[];
      try { names = fs.readdirSync(path.join(root, day)); } catch { continue; }
      listed[day] = mtime;
      for (const name of names) {
        if (!name.endsWith('.jsonl')) continue;
        const rel = `${RUNS_DIR}/${day}/${name}`;
        if (!RUN_ID.test(name.slice(0, -6))) {
          if (!this.badNames.has(rel)) this.report.problem(`${rel}: not a run log name (a run id is letters, digits, '-' and '_'): ignored`);
          this.badNames.add(rel);
          continue;
        }
        const endedAt = ended.get(rel);
        // An ended log is read again only if it grew past its end: a resumed run (one lstat each,
        // and only in a folder that changed).
        if (endedAt === undefined || endedAt !== sizeOf(path.join(root, day, name))) files.add(rel);
      }
    }
    this.listedDays = listed;
    if (!full) {
      for (const [source] of this.catalog.all(`SELECT source FROM runs WHERE status IN ('running', 'crashed') AND source LIKE 'runs/%'`)) {
        files.add(String(source));
      }
    }
    return [...files];
  }

  private badNames = new Set<string>();
  /** Folders under .runlens/ checked for being links in this pass (candidates() or ingest()): the answer. */
  private linkChecks = new Map<string, boolean>();

  /**
   * Whether `rel` (a folder relative to .runlens/) is a symbolic link, reported once: a link could
   * point anywhere, and RunLens reads run logs only inside .runlens/ (as the Python client writes them).
   */
  private linkedFolder(rel: string): boolean {
    let linked = this.linkChecks.get(rel);
    if (linked === undefined) {
      try { linked = fs.lstatSync(path.join(this.dir, rel)).isSymbolicLink(); } catch { linked = false; }
      this.linkChecks.set(rel, linked);
    }
    if (linked) this.reportOnce(rel, `${rel}: a symbolic link; run logs are read only inside .runlens/: ignored`);
    return linked;
  }

  private reportOnce(rel: string, message: string): void {
    if (!this.badNames.has(rel)) this.report.problem(message);
    this.badNames.add(rel);
  }
  /** The day folders the last candidates() listed, with their mtimes then. */
  private listedDays: Record<string, number> | undefined;
  /** Logs of ended runs, with the size they had at their end. */
  private ended: Map<string, number> | undefined;

  /** When each day folder was last listed (its mtime then), kept in the snapshot with the offsets. */
  private dayFolderTimes(): Record<string, number> {
    try { return JSON.parse(this.catalog.meta('day_folders') ?? '{}'); } catch { return {}; }
  }

  /** Logs of runs that have ended: a log ends with its `end` line, so these grow only when the run is resumed. */
  private endedLogs(): Map<string, number> {
    if (!this.ended) {
      this.ended = new Map(this.catalog.all(`SELECT source, log_offset FROM runs WHERE status IN ('finished', 'failed', 'killed') AND source LIKE 'runs/%'`)
        .map((r) => [String(r[0]), Number(r[1])]));
    }
    return this.ended;
  }

  /** Ingests the given logs (relative to the `.runlens` folder) inside one transaction. */
  ingest(files: string[]): IngestStats {
    const stats: IngestStats = { files: 0, lines: 0, runs: 0, points: 0, problems: 0 };
    this.linkChecks.clear();
    this.catalog.transaction(() => {
      const listed = this.listedDays;
      this.listedDays = undefined;
      let n = 0;
      for (const rel of files) {
        if (++n % 1000 === 0) this.progress();
        // A log with no complete line yet (its writer just created it) has no run: its folder is
        // listed again until it does, or the run would never be found.
        if (!this.ingestFile(rel, stats) && listed) delete listed[rel.split('/')[1]];
      }
      if (listed && Object.keys(listed).length) this.catalog.setMeta('day_folders', JSON.stringify({ ...this.dayFolderTimes(), ...listed }));
    });
    return stats;
  }

  /** Reads what a log gained; returns whether its run is in the catalog afterwards. */
  private ingestFile(rel: string, stats: IngestStats): boolean {
    const file = path.join(this.dir, rel);
    const uid = path.basename(rel, '.jsonl');
    if (!RUN_ID.test(uid) || path.relative(this.dir, file).startsWith('..')) {
      this.report.problem(`${rel}: not a run log inside .runlens/: ignored`);
      stats.problems++;
      return true;
    }
    const known = this.catalog.one('SELECT id, log_offset, log_lines, source FROM runs WHERE uid = ?', [uid]);
    if (known && known[3] !== rel && String(known[3]).startsWith(`${RUNS_DIR}/`)) {
      // The same run id in two files: never let one log write into another's run.
      this.report.problem(`${rel}: run id ${uid} is already recorded from ${known[3]}: ignored`);
      stats.problems++;
      return true;
    }
    const offset = known ? Number(known[1]) : 0;
    const startLine = known ? Number(known[2]) : 0;
    const day = rel.split('/')[1];
    if (this.linkedFolder(RUNS_DIR) || this.linkedFolder(`${RUNS_DIR}/${day}`)) return true;
    let size: number;
    try {
      const st = fs.lstatSync(file);
      if (st.isSymbolicLink()) { this.reportOnce(rel, `${rel}: a symbolic link; run logs are read only inside .runlens/: ignored`); return true; }
      size = st.size;
    } catch { return true; }
    if (size === offset) return known !== undefined;
    stats.files++;
    let runId = known ? Number(known[0]) : undefined;
    const points: MetricPoint[] = [];
    let lastTime = 0;
    const ensureRun = (t: number): number => {
      if (runId === undefined) {
        runId = this.catalog.upsertRun({ uid, experiment: 'Default', source: rel, status: 'running', startTime: t });
        stats.runs++;
      }
      return runId;
    };
    const flushPoints = () => {
      if (points.length && runId !== undefined) { this.catalog.addMetricPoints(runId, points); stats.points += points.length; points.length = 0; }
    };
    let result;
    try {
      result = readLines(file, offset, startLine, (l) => {
        stats.lines++;
        const where = `${rel}:${l.line} (byte ${l.offset})`;
        if (!l.ok) { this.report.problem(`${where}: ${l.reason}; the line was skipped`); stats.problems++; return; }
        const reading = readLine(l.text);
        if (reading.kind === 'blank') return;
        if (reading.kind === 'unknown') {
          if (!this.unknownReported.has(rel + reading.type)) {
            this.unknownReported.add(rel + reading.type);
            this.report.info(`${where}: ${reading.reason} (written by a newer client?): skipped`);
          }
          return;
        }
        if (reading.kind === 'problem') {
          this.report.problem(`${where}: ${reading.reason}; the line was skipped`);
          stats.problems++;
          return;
        }
        const ev = reading.event;
        // The uploader's bookkeeping (docs/run-log.md, "Uploads") is not the run's: a crashed run
        // being uploaded is not alive again.
        if (ev.e === 'upload') return;
        lastTime = Math.max(lastTime, ev.t);
        if (ev.e === 'metrics') { ensureRun(ev.t); points.push(...ev.points); return; }
        flushPoints();
        this.apply(uid, rel, ev, ensureRun, (id) => { runId = id; }, where, stats);
      });
    } catch (e) {
      this.report.problem(`${rel}: could not be read (${(e as Error).message})`);
      stats.problems++;
      return known !== undefined;
    }
    flushPoints();
    if (result.pending < 0) {
      this.report.problem(`${rel}: the log is shorter than what was already recorded (${offset} bytes); it was replaced or truncated. Recorded data is kept; run 'RunLens: Rebuild' to re-read it.`);
      stats.problems++;
      return true;
    }
    if (runId !== undefined) {
      this.catalog.setLogPosition(runId, result.offset, result.line);
      if (this.ended?.has(rel)) this.ended.set(rel, result.offset);
      if (lastTime) this.catalog.touch(runId, lastTime);
      // New lines from a run taken for crashed mean it is alive after all.
      const status = this.catalog.one('SELECT status FROM runs WHERE id = ?', [runId])?.[0];
      if (status === 'crashed' && lastTime > Date.now() - STALE_AFTER_MS) this.catalog.setStatus(runId, 'running');
    }
    return runId !== undefined;
  }

  private apply(uid: string, rel: string, ev: Exclude<RunEvent, { e: 'metrics' | 'upload' }>, ensureRun: (t: number) => number,
    setRun: (id: number) => void, where: string, stats: IngestStats): void {
    switch (ev.e) {
      case 'start': {
        if (ev.run && ev.run !== uid) this.report.problem(`${where}: the start line names run ${ev.run} but the file is ${uid}; using ${uid}`);
        const existing = this.catalog.one('SELECT status FROM runs WHERE uid = ?', [uid]);
        if (ev.resume && existing) {
          // A run taken up again (docs/run-log.md, "Resuming"): running once more, its start kept.
          const id = this.catalog.upsertRun({ uid, experiment: ev.experiment, source: rel, status: 'running', endTime: null, pid: ev.pid, host: ev.host });
          this.ended?.delete(rel);
          setRun(id);
          return;
        }
        const id = this.catalog.upsertRun({
          uid, experiment: ev.experiment, name: ev.name, parentUid: ev.parent, startTime: ev.t, source: rel,
          status: existing && existing[0] !== 'running' && existing[0] !== 'crashed' ? undefined : 'running',
          scriptPath: ev.script?.path ?? null, scriptSha256: ev.script?.sha256 ?? null, git: ev.git, host: ev.host, pid: ev.pid,
        });
        if (!existing) stats.runs++;
        setRun(id);
        return;
      }
      case 'params': {
        const conflicts = this.catalog.setParams(ensureRun(ev.t), ev.params);
        for (const key of conflicts) this.report.problem(`${where}: parameter '${key}' was logged again with another value; the first value is kept`);
        return;
      }
      case 'tags':
        this.catalog.setTags(ensureRun(ev.t), ev.tags);
        return;
      case 'untag':
        this.catalog.removeTag(ensureRun(ev.t), ev.key);
        return;
      case 'artifact':
        this.catalog.setArtifact(ensureRun(ev.t), ev, ev.t);
        return;
      case 'heartbeat':
        ensureRun(ev.t);
        return;
      case 'end':
        this.catalog.setStatus(ensureRun(ev.t), ev.status, ev.t, ev.error ?? undefined);
        this.ended?.set(rel, -1); // its size once read to here: set below
        return;
    }
  }

  /**
   * Runs that never wrote their end: crashed when their process is gone from this host, or when
   * they wrote nothing for STALE_AFTER_MS. Returns how many changed.
   */
  markCrashed(now = Date.now(), isAlive: (pid: number) => boolean = pidAlive): number {
    const rows = this.catalog.all(`SELECT id, host, pid, last_update, start_time FROM runs WHERE status = 'running' AND source LIKE 'runs/%'`);
    let n = 0;
    for (const [id, host, pid, lastUpdate, start] of rows) {
      const last = Number(lastUpdate ?? start ?? 0);
      const gone = host === this.hostname && typeof pid === 'number' && !isAlive(pid);
      if (gone || now - last > STALE_AFTER_MS) {
        this.catalog.setStatus(Number(id), 'crashed');
        n++;
      }
    }
    return n;
  }
}

function sizeOf(file: string): number {
  try { return fs.lstatSync(file).size; } catch { return -1; }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
