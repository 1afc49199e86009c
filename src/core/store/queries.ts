import type { SqlValue } from 'sql.js';
import type { Catalog } from './catalog';
import type { ArtifactEntry, CombinationState, ExperimentSummary, MatchedRun, MetricSummary, RunDetail, RunQuery, RunSummary, StatusName } from './types';
import { STATUS_CODES } from './paramIndex';
import { canonicalValue } from '../params/canonical';
import { compileFilter } from '../runs/filter';

const RUN_COLUMNS = `r.id, r.uid, e.name, r.experiment_id, r.name, r.parent_uid, r.status, r.start_time, r.end_time, r.last_update, r.deleted`;

/** Experiment tags that mark an imported Optuna study (src/core/optuna/apply.ts writes them). */
export const STUDY_STORAGE_TAG = 'optuna.storage';
export const STUDY_DIRECTIONS_TAG = 'optuna.directions';
/** The names of a study's objective values, in order, as a JSON list. */
export const STUDY_METRICS_TAG = 'optuna.metrics';

export function listExperiments(c: Catalog, includeDeleted = false): ExperimentSummary[] {
  const rows = c.all(`SELECT e.id, e.name, e.deleted,
      (SELECT COUNT(*) FROM runs r WHERE r.experiment_id = e.id AND r.deleted = 0),
      (SELECT COUNT(*) FROM runs r WHERE r.experiment_id = e.id AND r.deleted = 0 AND r.status = 'running'),
      (SELECT value FROM experiment_tags t WHERE t.experiment_id = e.id AND t.key = ?),
      (SELECT value FROM experiment_tags t WHERE t.experiment_id = e.id AND t.key = ?)
    FROM experiments e ${includeDeleted ? '' : 'WHERE e.deleted = 0'} ORDER BY e.name`, [STUDY_STORAGE_TAG, STUDY_DIRECTIONS_TAG]);
  return rows.map((r) => {
    const e: ExperimentSummary = { id: Number(r[0]), name: String(r[1]), deleted: r[2] !== 0, runs: Number(r[3]), running: Number(r[4]) };
    if (r[5] !== null) e.study = { storage: String(r[5]), directions: r[6] === null ? [] : String(r[6]).split(',') };
    return e;
  });
}

/** One page of runs, sorted in SQL (the metric sort uses the maintained latest-value index). */
export function listRuns(c: Catalog, q: RunQuery = {}): RunSummary[] {
  const where: string[] = [];
  const whereArgs: SqlValue[] = [];
  const joinArgs: SqlValue[] = [];
  if (q.experimentId !== undefined) { where.push('r.experiment_id = ?'); whereArgs.push(q.experimentId); }
  if (!q.includeDeleted) where.push('r.deleted = 0');
  if (q.statuses?.length) { where.push(`r.status IN (${q.statuses.map(() => '?').join(',')})`); whereArgs.push(...q.statuses); }
  if (q.ids) where.push(`r.id IN (${q.ids.map(Number).join(',') || 'NULL'})`);
  const filter = q.filter ? compileFilter(q.filter) : undefined;
  if (filter) { where.push(filter.sql); whereArgs.push(...filter.args); }
  let from = 'runs r JOIN experiments e ON e.id = r.experiment_id';
  let order = 'r.start_time DESC, r.id DESC';
  const sort = q.sort;
  if (sort && 'metric' in sort) {
    from += ' LEFT JOIN metrics m ON m.run_id = r.id AND m.key = ?';
    joinArgs.push(sort.metric);
    // Runs without the metric (or with NaN) go last whichever the direction.
    order = `m.last IS NULL, m.last ${sort.descending ? 'DESC' : 'ASC'}, r.id DESC`;
  } else if (sort) {
    order = `r.${sort.by} ${sort.descending ? 'DESC' : 'ASC'}, r.id DESC`;
  }
  const sql = `SELECT ${RUN_COLUMNS} FROM ${from} ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
    ORDER BY ${order} LIMIT ? OFFSET ?`;
  const rows = c.all(sql, [...joinArgs, ...whereArgs, q.limit ?? 100, q.offset ?? 0]);
  return withDetails(c, rows.map(toSummary));
}

/** How many runs there are (of an experiment), or how many match a filter query. */
export function countRuns(c: Catalog, experimentId?: number, includeDeleted = false, filter?: string): number {
  const where = [experimentId === undefined ? '1' : `r.experiment_id = ${Number(experimentId)}`, includeDeleted ? '1' : 'r.deleted = 0'];
  const compiled = filter ? compileFilter(filter) : undefined;
  if (compiled) where.push(compiled.sql);
  const r = c.one(`SELECT COUNT(*) FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${where.join(' AND ')}`, compiled?.args ?? []);
  return Number(r?.[0] ?? 0);
}

function toSummary(r: SqlValue[]): RunSummary {
  return {
    id: Number(r[0]), uid: String(r[1]), experiment: String(r[2]), experimentId: Number(r[3]),
    name: r[4] === null ? null : String(r[4]), parentUid: r[5] === null ? null : String(r[5]),
    status: r[6] as StatusName, startTime: num(r[7]), endTime: num(r[8]), lastUpdate: num(r[9]),
    deleted: Number(r[10]) !== 0, params: {}, metrics: {},
  };
}

const num = (v: SqlValue): number | null => (v === null ? null : Number(v));

function withDetails(c: Catalog, runs: RunSummary[]): RunSummary[] {
  if (!runs.length) return runs;
  const byId = new Map(runs.map((r) => [r.id, r]));
  const ids = runs.map((r) => r.id).join(',');
  for (const [id, key, value] of c.all(`SELECT run_id, key, value FROM params WHERE run_id IN (${ids})`)) {
    byId.get(Number(id))!.params[String(key)] = String(value);
  }
  for (const row of c.all(`SELECT run_id, key, last, last_step, last_time, min, max, count FROM metrics WHERE run_id IN (${ids})`)) {
    byId.get(Number(row[0]))!.metrics[String(row[1])] = toMetric(row.slice(1));
  }
  return runs;
}

function toMetric(r: SqlValue[]): MetricSummary {
  return {
    key: String(r[0]), last: r[1] === null ? NaN : Number(r[1]), lastStep: Number(r[2]), lastTime: Number(r[3]),
    min: num(r[4]), max: num(r[5]), count: Number(r[6]),
  };
}

export function getRun(c: Catalog, uidOrId: string | number): RunDetail | undefined {
  const row = c.one(`SELECT ${RUN_COLUMNS}, r.script_path, r.script_sha256, r.git_commit, r.git_branch, r.git_dirty, r.host, r.pid, r.error, r.source, r.artifact_uri
    FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${typeof uidOrId === 'number' ? 'r.id' : 'r.uid'} = ?`, [uidOrId]);
  if (!row) return undefined;
  const [summary] = withDetails(c, [toSummary(row)]);
  const tags: Record<string, string> = {};
  for (const [k, v] of c.all('SELECT key, value FROM tags WHERE run_id = ? ORDER BY key', [summary.id])) tags[String(k)] = String(v);
  let error: RunDetail['error'] = null;
  try { error = row[18] ? JSON.parse(String(row[18])) : null; } catch { error = { message: String(row[18]) }; }
  return {
    ...summary, tags, note: tags['mlflow.note.content'] ?? null,
    scriptPath: row[11] === null ? null : String(row[11]), scriptSha256: row[12] === null ? null : String(row[12]),
    git: { commit: row[13] === null ? null : String(row[13]), branch: row[14] === null ? null : String(row[14]), dirty: row[15] === null ? null : Number(row[15]) !== 0 },
    host: row[16] === null ? null : String(row[16]), pid: num(row[17]), error, source: String(row[19]),
    artifacts: runArtifacts(c, summary.id), artifactUri: row[20] === null ? null : String(row[20]),
  };
}

/** A run's artifacts, by path. */
export function runArtifacts(c: Catalog, id: number): ArtifactEntry[] {
  return c.all('SELECT path, size, sha256, media_type FROM artifacts WHERE run_id = ? ORDER BY path', [id]).map((r) => ({
    path: String(r[0]), size: Number(r[1]), sha256: r[2] === null ? null : String(r[2]), mediaType: r[3] === null ? null : String(r[3]),
  }));
}

/** Whether a metric is better when higher: `auto` minimises names that read like losses or errors. */
export function higherIsBetter(metric: string, goal: 'maximize' | 'minimize' | 'auto' = 'auto'): boolean {
  if (goal !== 'auto') return goal === 'maximize';
  return !/loss|err|mse|mae|rmse|perplexity|latency|time|cost/i.test(metric);
}

/** An experiment tag by which a source says which way one of its metrics is better (`runlens.goal.value` = `minimize`). */
export const GOAL_TAG = 'runlens.goal.';

const goalsSeen = new WeakMap<Catalog, { version: number; byMetric: Map<string, Map<number, 'maximize' | 'minimize'>> }>();

/**
 * Which way a metric is better as its source says (an Optuna study's direction): in one experiment,
 * or, without one, when every experiment that says anything of the metric says the same.
 */
export function declaredGoal(c: Catalog, metric: string, experimentId?: number): 'maximize' | 'minimize' | undefined {
  let seen = goalsSeen.get(c);
  if (!seen || seen.version !== c.experimentTagsVersion) {
    seen = { version: c.experimentTagsVersion, byMetric: new Map() };
    for (const [id, key, value] of c.all(`SELECT experiment_id, key, value FROM experiment_tags WHERE key > ? AND key < ?`, [GOAL_TAG, GOAL_TAG.slice(0, -1) + '/'])) {
      if (value !== 'maximize' && value !== 'minimize') continue;
      const m = String(key).slice(GOAL_TAG.length);
      let byExperiment = seen.byMetric.get(m);
      if (!byExperiment) seen.byMetric.set(m, (byExperiment = new Map()));
      byExperiment.set(Number(id), value);
    }
    goalsSeen.set(c, seen);
  }
  const byExperiment = seen.byMetric.get(metric);
  if (!byExperiment) return undefined;
  if (experimentId !== undefined) return byExperiment.get(experimentId);
  const goals = new Set(byExperiment.values());
  return goals.size === 1 ? [...goals][0] : undefined;
}

/** The goal a metric is ranked by: its source's own word, else the setting (`auto`: by its name). */
export function rankingGoal(declared: 'maximize' | 'minimize' | undefined, configured: 'maximize' | 'minimize' | 'auto' | undefined): 'maximize' | 'minimize' | 'auto' {
  return declared ?? configured ?? 'auto';
}

export interface LookupOptions {
  experimentId?: number;
  metric?: string;
  goal?: 'maximize' | 'minimize' | 'auto';
}

/**
 * The state of every combination of a grid. `combinations` are JSON values keyed by parameter;
 * only `keys` are matched, so runs that also logged other keys (a seed, say) still count.
 * Everything but the few runs it reports in detail comes from in-memory columns, not SQL.
 */
export function lookupCombinations(c: Catalog, keys: string[], combinations: Record<string, unknown>[], opts: LookupOptions = {}): CombinationState[] {
  const canon = combinations.map((combo) => keys.map((k) => canonicalValue(combo[k])));
  const idx = c.index;
  const deleted = idx.deleted;
  const experiment = idx.experiment;
  const wanted = opts.experimentId;
  const filter = wanted === undefined ? (id: number) => !deleted[id] : (id: number) => !deleted[id] && experiment[id] === wanted;
  const matches = idx.lookup(keys, canon, filter);
  const metric = opts.metric ? c.metricColumn(opts.metric) : undefined;
  const higher = higherIsBetter(opts.metric ?? '', rankingGoal(opts.metric ? declaredGoal(c, opts.metric, opts.experimentId) : undefined, opts.goal));
  const shown = matches.map((ids) => {
    const counts: CombinationState['counts'] = {};
    let best: number | null = null;
    let bestId = -1;
    const results = { n: 0, sum: 0, sumSq: 0 };
    for (const id of ids) {
      const status = STATUS_CODES[idx.status[id]];
      counts[status] = (counts[status] ?? 0) + 1;
      const v = metric ? metric[id] : NaN;
      if (status !== 'finished' || Number.isNaN(v)) continue;
      if (Number.isFinite(v)) { results.n++; results.sum += v; results.sumSq += v * v; }
      if (best === null || (higher ? v > best : v < best)) { best = v; bestId = id; }
    }
    // Ids come in ascending order, so the newest runs are the last ones.
    const newest = ids.slice(-5).reverse();
    const pick = bestId >= 0 ? [bestId, ...newest.filter((id) => id !== bestId)].slice(0, 5) : newest;
    return { counts, best, pick, results };
  });
  const detail = (id: number): MatchedRun => {
    const r = idx.runs[id]!;
    const v = metric ? metric[id] : NaN;
    return { id, uid: r.uid, status: r.status, metric: Number.isNaN(v) ? null : v, scriptSha256: r.scriptSha256, gitCommit: r.gitCommit, startTime: r.startTime, endTime: r.endTime };
  };
  return shown.map(({ counts, best, pick, results }) => ({
    state: combinationState(Object.keys(counts) as StatusName[]),
    counts, best, runs: pick.map(detail), results,
  }));
}

/**
 * A combination counts as done when any matching run finished; otherwise its most telling state:
 * one running or queued will have a result soon; one that failed or was pruned ran without one.
 */
export function combinationState(statuses: StatusName[]): CombinationState['state'] {
  if (!statuses.length) return 'never-run';
  for (const s of ['finished', 'running', 'queued', 'failed', 'pruned', 'crashed', 'killed'] as const) if (statuses.includes(s)) return s;
  return 'never-run';
}

/** Every metric name, the most logged first. */
export function metricNames(c: Catalog): string[] {
  return c.all('SELECT key FROM metrics GROUP BY key ORDER BY COUNT(*) DESC, key').map((r) => String(r[0]));
}
