import type { Database, SqlValue, Statement } from 'sql.js';
import { canonicalParam } from '../params/canonical';
import { loadSqlJs } from './sqljs';
import { migrate } from './schema';
import { INDEXED_RUN_COLUMNS, indexedRunFromRow, ParamIndex, type StatusName } from './paramIndex';
import type { MetricPoint } from '../runlog/events';
import { SqliteError } from './errors';
import { SQLITE_MAGIC } from '../sources/sqliteFile';
import type { ArtifactEntry } from './types';

export interface RunHeader {
  uid: string;
  experiment: string;
  name?: string | null;
  parentUid?: string | null;
  status?: StatusName;
  startTime?: number | null;
  endTime?: number | null;
  lastUpdate?: number | null;
  scriptPath?: string | null;
  scriptSha256?: string | null;
  git?: { commit: string | null; branch: string | null; dirty: boolean | null } | null;
  host?: string | null;
  pid?: number | null;
  source: string;
}

/** What a metric's summary takes of each point. */
type SummarizedPoint = Omit<MetricPoint, 'key'> & { key?: string };

interface MetricAgg { last: number; lastStep: number; lastTime: number; min: number | null; max: number | null; count: number }

/**
 * The catalog: experiments, runs, params (canonical), tags and per-metric summaries, in one sql.js
 * database. Synchronous and single-threaded by design: it lives in one thread (the store worker in
 * the extension, the process itself in the CLI), which is the only writer.
 */
export class Catalog {
  private built: ParamIndex | undefined;
  /** Bumped on every write; persistence saves when it moved. */
  revision = 0;
  private stmts = new Map<string, Statement>();
  /** Latest value of a metric by run id, for the metrics lookups rank by; kept current by writes. */
  private metricColumns = new Map<string, Float64Array>();
  readonly experimentIds = new Map<string, number>();

  private constructor(readonly db: Database) {
    for (const [id, name] of this.all('SELECT id, name FROM experiments') as [number, string][]) this.experimentIds.set(name, id);
  }

  /**
   * The in-memory lookup index, built on first use (about 1 s at 100k runs, in the store's own
   * thread) rather than at open, so the runs view shows before any lookup is asked for.
   */
  get index(): ParamIndex {
    this.built ??= ParamIndex.build(this.db);
    return this.built;
  }

  /**
   * Opens a catalog from a snapshot (or a new empty one). Throws when the bytes are not a usable
   * database; with `check`, also when SQLite's `PRAGMA quick_check` finds a damaged page (it reads
   * every page: about 140 ms at 100k runs, see `npm run bench`). Every SQLite error of the catalog is
   * a SqliteError with SQLite's result code.
   */
  static async open(bytes?: Uint8Array, { check = false } = {}): Promise<Catalog> {
    const SQL = await loadSqlJs();
    if (bytes) checkHeader(bytes);
    const db = new SQL.Database(bytes);
    try {
      withResultCodes(db);
      if (bytes && check) quickCheck(db);
      migrate(db);
    } catch (e) {
      db.close();
      throw e;
    }
    return new Catalog(db);
  }

  close(): void {
    for (const s of this.stmts.values()) s.free();
    this.stmts.clear();
    this.db.close();
  }

  export(): Uint8Array {
    // sql.js's export() closes prepared statements; drop our cache first so none is used after.
    for (const s of this.stmts.values()) s.free();
    this.stmts.clear();
    this.db.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('saved_at', ?)", [String(Date.now())]);
    return this.db.export();
  }

  // ---- small SQL helpers ----------------------------------------------------------------------

  stmt(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      // Queries built from filters vary without end: keep the cache bounded.
      if (this.stmts.size > 256) { for (const old of this.stmts.values()) old.free(); this.stmts.clear(); }
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  all(sql: string, params: SqlValue[] = []): SqlValue[][] {
    const s = this.stmt(sql);
    s.bind(params);
    const rows: SqlValue[][] = [];
    while (s.step()) rows.push(s.get());
    s.reset();
    return rows;
  }

  one(sql: string, params: SqlValue[] = []): SqlValue[] | undefined {
    const s = this.stmt(sql);
    s.bind(params);
    const row = s.step() ? s.get() : undefined;
    s.reset();
    return row;
  }

  run(sql: string, params: SqlValue[] = []): void {
    const s = this.stmt(sql);
    s.run(params);
    this.revision++;
  }

  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN');
    try {
      const r = fn();
      this.db.exec('COMMIT');
      return r;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  meta(key: string): string | undefined {
    const r = this.one('SELECT value FROM meta WHERE key = ?', [key]);
    return r ? String(r[0]) : undefined;
  }

  /** Sets a meta value; writing the value it already has changes nothing (no save follows). */
  setMeta(key: string, value: string): void {
    if (this.meta(key) === value) return;
    this.run('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', [key, value]);
  }

  /** Latest value of `key` by run id (NaN where a run has none or it was NaN). */
  metricColumn(key: string): Float64Array {
    let col = this.metricColumns.get(key);
    const maxRunId = this.index.maxRunId;
    if (!col || col.length <= maxRunId) {
      col = new Float64Array(Math.max(1024, (maxRunId + 1) * 2)).fill(NaN);
      const s = this.db.prepare('SELECT run_id, last FROM metrics WHERE key = ?');
      s.bind([key]);
      while (s.step()) {
        const [id, last] = s.get();
        col[Number(id)] = last === null ? NaN : Number(last);
      }
      s.free();
      this.metricColumns.set(key, col);
    }
    return col;
  }

  private noteMetric(id: number, key: string, last: number): void {
    const col = this.metricColumns.get(key);
    if (!col) return;
    if (id < col.length) col[id] = last; else this.metricColumns.delete(key);
  }

  // ---- writes ---------------------------------------------------------------------------------

  experimentId(name: string): number {
    let id = this.experimentIds.get(name);
    if (id === undefined) {
      this.run('INSERT INTO experiments (name) VALUES (?)', [name]);
      id = Number(this.one('SELECT id FROM experiments WHERE name = ?', [name])![0]);
      this.experimentIds.set(name, id);
    }
    return id;
  }

  /** Sets an experiment's tags (others it has stay); writing what is already there changes nothing. */
  setExperimentTags(name: string, tags: Record<string, string>): void {
    const id = this.experimentId(name);
    for (const [key, value] of Object.entries(tags)) {
      if (this.one('SELECT value FROM experiment_tags WHERE experiment_id = ? AND key = ?', [id, key])?.[0] === value) continue;
      this.run('INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)', [id, key, value]);
      this.experimentTagsVersion++;
    }
  }

  /** Bumped whenever an experiment's tags change, so what is derived from them knows it is stale. */
  experimentTagsVersion = 0;

  setExperimentDeleted(name: string, deleted: boolean): void {
    const id = this.experimentId(name);
    if (Number(this.one('SELECT deleted FROM experiments WHERE id = ?', [id])?.[0]) === (deleted ? 1 : 0)) return;
    this.run('UPDATE experiments SET deleted = ? WHERE id = ?', [deleted ? 1 : 0, id]);
  }

  runId(uid: string): number | undefined {
    const r = this.one('SELECT id FROM runs WHERE uid = ?', [uid]);
    return r ? Number(r[0]) : undefined;
  }

  /** Creates a run or updates the header fields given; returns its id. */
  upsertRun(h: RunHeader): number {
    const experimentId = this.experimentId(h.experiment);
    let id = this.runId(h.uid);
    if (id === undefined) {
      this.run(`INSERT INTO runs (uid, experiment_id, status, source) VALUES (?, ?, ?, ?)`, [h.uid, experimentId, h.status ?? 'running', h.source]);
      id = this.runId(h.uid)!;
    }
    const sets: string[] = ['experiment_id = ?', 'source = ?'];
    const vals: SqlValue[] = [experimentId, h.source];
    const put = (col: string, v: SqlValue | undefined) => { if (v !== undefined) { sets.push(`${col} = ?`); vals.push(v); } };
    put('name', h.name);
    put('parent_uid', h.parentUid);
    put('status', h.status);
    put('start_time', h.startTime);
    put('end_time', h.endTime);
    put('last_update', h.lastUpdate);
    put('script_path', h.scriptPath);
    put('script_sha256', h.scriptSha256);
    if (h.git !== undefined) {
      put('git_commit', h.git?.commit ?? null);
      put('git_branch', h.git?.branch ?? null);
      put('git_dirty', h.git?.dirty === null || h.git?.dirty === undefined ? null : h.git.dirty ? 1 : 0);
    }
    put('host', h.host);
    put('pid', h.pid);
    this.run(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`, [...vals, id]);
    this.syncIndex(id);
    return id;
  }

  setStatus(id: number, status: StatusName, endTime?: number | null, error?: unknown): void {
    this.run('UPDATE runs SET status = ?, end_time = COALESCE(?, end_time), error = COALESCE(?, error) WHERE id = ?',
      [status, endTime ?? null, error ? JSON.stringify(error) : null, id]);
    this.syncIndex(id);
  }

  touch(id: number, time: number): void {
    this.run('UPDATE runs SET last_update = MAX(COALESCE(last_update, 0), ?) WHERE id = ?', [time, id]);
  }

  setLogPosition(id: number, offset: number, lines: number): void {
    this.run('UPDATE runs SET log_offset = ?, log_lines = ? WHERE id = ?', [offset, lines, id]);
  }

  setDeleted(id: number, deleted: boolean): void {
    this.run('UPDATE runs SET deleted = ? WHERE id = ?', [deleted ? 1 : 0, id]);
    this.syncIndex(id);
  }

  /**
   * Records params. A key already recorded with a different meaning keeps its first value
   * (MLflow refuses the change too); the conflicting keys are returned so the caller can report them.
   */
  setParams(id: number, params: Record<string, string>): string[] {
    const conflicts: string[] = [];
    for (const [key, value] of Object.entries(params)) {
      const canon = canonicalParam(value);
      const existing = this.one('SELECT value, canon FROM params WHERE run_id = ? AND key = ?', [id, key]);
      if (existing) {
        if (existing[1] !== canon) conflicts.push(key);
        continue;
      }
      this.run('INSERT INTO params (run_id, key, value, canon) VALUES (?, ?, ?, ?)', [id, key, value, canon]);
      this.built?.setParam(id, key, canon);
    }
    return conflicts;
  }

  /**
   * Makes a run's params exactly these (an import whose source changed them: an enqueued Optuna
   * trial that ran with other values than it was enqueued with); what is already so is not written.
   */
  replaceParams(id: number, params: Record<string, string>): void {
    const have = new Map(this.all('SELECT key, value FROM params WHERE run_id = ?', [id]).map(([k, v]) => [String(k), String(v)]));
    for (const key of have.keys()) {
      if (Object.hasOwn(params, key)) continue;
      this.run('DELETE FROM params WHERE run_id = ? AND key = ?', [id, key]);
      this.built?.removeParam(id, key);
    }
    for (const [key, value] of Object.entries(params)) {
      if (have.get(key) === value) continue;
      const canon = canonicalParam(value);
      this.run('INSERT OR REPLACE INTO params (run_id, key, value, canon) VALUES (?, ?, ?, ?)', [id, key, value, canon]);
      this.built?.setParam(id, key, canon);
    }
  }

  /** Removes a run's metrics but these (an import whose source no longer names them so). */
  removeMetricsExcept(id: number, keys: string[]): void {
    const keep = new Set(keys);
    for (const [key] of this.all('SELECT key FROM metrics WHERE run_id = ?', [id])) {
      if (keep.has(String(key))) continue;
      this.run('DELETE FROM metrics WHERE run_id = ? AND key = ?', [id, key]);
      this.noteMetric(id, String(key), NaN);
    }
  }

  setTags(id: number, tags: Record<string, string>): void {
    for (const [key, value] of Object.entries(tags)) {
      this.run('INSERT OR REPLACE INTO tags (run_id, key, value) VALUES (?, ?, ?)', [id, key, value]);
    }
  }

  removeTag(id: number, key: string): void {
    this.run('DELETE FROM tags WHERE run_id = ? AND key = ?', [id, key]);
  }

  /** Records an artifact (a later one of the same path replaces it, as the file was replaced). */
  setArtifact(id: number, a: ArtifactEntry, time: number | null): void {
    this.run('INSERT OR REPLACE INTO artifacts (run_id, path, size, sha256, media_type, time) VALUES (?, ?, ?, ?, ?, ?)',
      [id, a.path, a.size, a.sha256, a.mediaType, time]);
  }

  /** Replaces every artifact of a run (an import lists them all again). Changes nothing when they are the same. */
  setArtifacts(id: number, artifacts: ArtifactEntry[], time: number | null): void {
    const now = this.all('SELECT path, size, sha256, media_type FROM artifacts WHERE run_id = ? ORDER BY path', [id]);
    const sorted = [...artifacts].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    if (now.length === sorted.length && now.every((r, i) => r[0] === sorted[i].path && Number(r[1]) === sorted[i].size && r[2] === sorted[i].sha256 && r[3] === sorted[i].mediaType)) return;
    this.run('DELETE FROM artifacts WHERE run_id = ?', [id]);
    for (const a of sorted) this.setArtifact(id, a, time);
  }

  setArtifactUri(id: number, uri: string | null): void {
    if (this.one('SELECT artifact_uri FROM runs WHERE id = ?', [id])?.[0] === uri) return;
    this.run('UPDATE runs SET artifact_uri = ? WHERE id = ?', [uri, id]);
  }

  /** Folds metric points into each metric's summary (latest, min, max, count). */
  addMetricPoints(id: number, points: Iterable<MetricPoint>): void {
    const byKey = new Map<string, MetricAgg>();
    for (const p of points) {
      let agg = byKey.get(p.key);
      if (!agg) {
        const row = this.one('SELECT last, last_step, last_time, min, max, count FROM metrics WHERE run_id = ? AND key = ?', [id, p.key]);
        agg = row
          ? { last: row[0] === null ? NaN : Number(row[0]), lastStep: Number(row[1]), lastTime: Number(row[2]), min: row[3] as number | null, max: row[4] as number | null, count: Number(row[5]) }
          : { last: NaN, lastStep: -Infinity, lastTime: -Infinity, min: null, max: null, count: 0 };
        byKey.set(p.key, agg);
      }
      foldPoint(agg, p);
    }
    for (const [key, a] of byKey) {
      this.noteMetric(id, key, a.last);
      this.run('INSERT OR REPLACE INTO metrics (run_id, key, last, last_step, last_time, min, max, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [id, key, Number.isNaN(a.last) ? null : a.last, a.lastStep, a.lastTime, a.min, a.max, a.count]);
    }
  }

  /**
   * Replaces a metric's summary outright (imports, which know the whole history). `latest` is the
   * point the source itself reports as the latest, when it says.
   */
  setMetricSummary(id: number, key: string, points: Iterable<SummarizedPoint>, latest?: { step: number; value: number; timestamp: number }): void {
    const agg: MetricAgg = { last: NaN, lastStep: -Infinity, lastTime: -Infinity, min: null, max: null, count: 0 };
    for (const p of points) foldPoint(agg, p);
    if (latest) { agg.last = latest.value; agg.lastStep = latest.step; agg.lastTime = latest.timestamp; }
    this.noteMetric(id, key, agg.last);
    this.run('INSERT OR REPLACE INTO metrics (run_id, key, last, last_step, last_time, min, max, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [id, key, Number.isNaN(agg.last) ? null : agg.last, agg.lastStep, agg.lastTime, agg.min, agg.max, agg.count]);
  }

  private syncIndex(id: number): void {
    if (!this.built) return;
    const r = this.one(`SELECT ${INDEXED_RUN_COLUMNS} FROM runs WHERE id = ?`, [id]);
    if (r) this.built.setRun(id, indexedRunFromRow(r));
  }
}

/**
 * MLflow's rule for the latest value: the highest step, then the latest timestamp, then the
 * larger value. min/max/count are over every point; NaN takes no part in min and max.
 */
export function foldPoint(agg: MetricAgg, p: SummarizedPoint): void {
  const newer = p.step > agg.lastStep
    || (p.step === agg.lastStep && (p.t > agg.lastTime || (p.t === agg.lastTime && (Number.isNaN(agg.last) || p.value > agg.last))));
  if (newer || agg.count === 0) { agg.last = p.value; agg.lastStep = p.step; agg.lastTime = p.t; }
  if (!Number.isNaN(p.value)) {
    agg.min = agg.min === null ? p.value : Math.min(agg.min, p.value);
    agg.max = agg.max === null ? p.value : Math.max(agg.max, p.value);
  }
  agg.count++;
}

/**
 * Makes every error SQLite returns for `db` a SqliteError that carries its result code. sql.js
 * routes each result code through the database's `handleError` (part of its documented API), and
 * would otherwise throw a plain Error with SQLite's message only.
 */
function withResultCodes(db: Database): void {
  const plain = db.handleError.bind(db) as (code: number) => null;
  (db as unknown as { handleError(code: number): null }).handleError = (code: number) => {
    if (code === 0) return null;
    try {
      return plain(code);
    } catch (e) {
      throw new SqliteError((e as Error).message, code & 0xff);
    }
  };
}

/** Throws a SqliteError when SQLite's quick_check finds the database damaged. */
function quickCheck(db: Database): void {
  const rows = db.exec('PRAGMA quick_check')[0]?.values ?? [];
  if (rows.length === 1 && rows[0][0] === 'ok') return;
  const first = String(rows[0]?.[0] ?? 'no answer').replace(/^\*\*\* in database main \*\*\*\s*/, '').split('\n')[0];
  throw new SqliteError(`database disk image is malformed: ${first}${rows.length > 1 ? ` (and ${rows.length - 1} more)` : ''}`, 11);
}

/**
 * A cheap check of an SQLite file's header: the magic string, and a length that holds every page
 * the header counts (a truncated copy does not).
 */
export function checkHeader(bytes: Uint8Array): void {
  for (let i = 0; i < SQLITE_MAGIC.length; i++) {
    if (bytes[i] !== SQLITE_MAGIC.charCodeAt(i)) throw new Error('the file is not an SQLite database');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rawPageSize = view.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = view.getUint32(28);
  const valid = view.getUint32(24) === view.getUint32(92);
  if (valid && pages && bytes.length < pages * pageSize) {
    throw new Error(`the database is truncated (${bytes.length} of ${pages * pageSize} bytes)`);
  }
}
