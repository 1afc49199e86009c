/**
 * Metric histories from MLflow's SQLite `metrics` table, which dwarfs every other table (one row
 * per logged point). A first read takes them in a single scan; a follow-up read takes only the
 * runs that changed. A run changed if its fingerprint (status, times, params, tags, latest values)
 * did, or if it got points since the last read: MLflow only ever appends to `metrics`, so new
 * points are the rows above the highest rowid seen before, found without scanning the table.
 */
import { PointBlocks } from './metricHistory';
import { put, type MetricHistory, type MetricPoint, type MlflowRun, type StoreFingerprint } from './model';
import { num, text, type Row, type TableReader } from './sqliteTables';

/**
 * A point's run and key come as one string (`<run id>\x1f<key>`): sql.js decodes every text value
 * it returns, and one string a row instead of two is a fifth of an import's time saved. A run id
 * (hex digits) never holds the separator; a key may, which is why the first one splits them.
 */
const RUN_KEY = { sql: "ifnull(run_uuid, '') || char(31) || ifnull(key, '')", columns: ['run_uuid', 'key'] };
/** A NaN (`is_nan = 1`) comes as NULL, which reads as NaN: one column fewer to fetch a row. */
const VALUE = { sql: 'CASE WHEN is_nan = 1 THEN NULL ELSE value END', columns: ['value', 'is_nan'] };
const HISTORY = { table: 'metrics', wanted: [RUN_KEY, VALUE, 'timestamp', 'step'], required: ['run_uuid', 'key', 'value'] };
/** For a table without is_nan (not MLflow's): the value as it is. */
const HISTORY_WITHOUT_NAN = { ...HISTORY, wanted: [RUN_KEY, 'value', 'timestamp', 'step'] };
/** How long the scan of the metrics table may hold the thread before the event loop gets a turn. */
const SLICE_MS = 20;
/** Above this share of runs to read, one scan of the table beats a query per run. */
const SCAN_SHARE = 0.2;

export interface HistoryRead {
  /** The runs whose histories were read (so every run, on a first read). */
  readRunIds: Set<string>;
}

/**
 * The histories of the runs in `runs` that changed since `previous` (all of them without it). A
 * caller that already asked which runs got points since (`runsWithPointsAbove`) passes the answer
 * as `withNewPoints`; `storeRuns` is how many runs the store has, which decides between one scan of
 * the table and a query per run.
 */
export async function readMetricHistories(tables: TableReader, runs: Map<string, MlflowRun>,
  fingerprint: StoreFingerprint, previous: StoreFingerprint | undefined, storeRuns = runs.size,
  withNewPoints?: Set<string>): Promise<HistoryRead> {
  const maxRowid = highestMetricsRowid(tables);
  if (maxRowid !== undefined) fingerprint.metricsRowid = maxRowid;
  const toRead = previous ? changedRuns(tables, runs, fingerprint, previous, maxRowid, withNewPoints) : new Set(runs.keys());
  if (toRead.size === 0) return { readRunIds: toRead };

  // The hot loop of an import (a row per point). MLflow appends a run's points together, all its
  // metrics at each step, so the current run and its few series are kept at hand, and a key is
  // found among them by comparison instead of hashing a freshly decoded string. Each series is
  // gathered in columns of its own, reused from run to run, and moved to the run's history (in
  // shared blocks) when the run's rows end: no object per point, no array per history that grows.
  let runId: string | undefined;
  let run: MlflowRun | undefined;
  let runKeys: string[] = [];
  let keys: string[] = [];
  let counts: number[] = [];
  const gathered: Float64Array[] = [];
  const blocks = new PointBlocks();
  let orphans = false;
  const moveGathered = () => {
    if (!run) return;
    for (let i = 0; i < keys.length; i++) {
      // A run whose rows come in more than one stretch already has points of its series.
      if (Object.hasOwn(run.metrics, keys[i])) run.metrics[keys[i]].append(gathered[i], counts[i]);
      else put(run.metrics, keys[i], blocks.copy(gathered[i], counts[i]));
    }
  };
  const onRow = (row: Row) => {
    const runKey = row[0] as string;
    let i = runKeys.indexOf(runKey);
    if (i < 0) {
      const cut = runKey.indexOf('\x1f');
      const id = runKey.slice(0, cut);
      if (id !== runId) {
        moveGathered();
        runId = id;
        run = toRead.has(id) ? runs.get(id) : undefined;
        runKeys = [];
        keys = [];
        counts = [];
        if (!runs.has(id)) orphans = true;
      }
      if (!run) return;
      i = runKeys.push(runKey) - 1;
      keys.push(runKey.slice(cut + 1));
      counts.push(0);
      gathered[i] ??= new Float64Array(3 * 256);
    }
    const at = counts[i]++ * 3;
    let columns = gathered[i];
    if (at === columns.length) {
      columns = new Float64Array(columns.length * 2);
      columns.set(gathered[i]);
      gathered[i] = columns;
    }
    const value = row[1];
    const timestamp = row[2];
    const step = row[3];
    columns[at] = typeof step === 'number' ? step : num(step) ?? 0;
    columns[at + 1] = typeof value === 'number' ? value : num(value) ?? NaN;
    columns[at + 2] = typeof timestamp === 'number' ? timestamp : num(timestamp) ?? 0;
  };
  const history = tables.columns('metrics', true)?.has('is_nan') === false ? HISTORY_WITHOUT_NAN : HISTORY;
  if (!previous || toRead.size > storeRuns * SCAN_SHARE) {
    await tables.scanSliced(history, onRow, SLICE_MS);
    moveGathered();
    if (orphans) tables.report(`table metrics: points of runs missing from the runs table were not imported`);
  } else {
    for (const runId of toRead) tables.scan({ ...history, tail: 'WHERE run_uuid = ?', params: [runId] }, onRow);
    moveGathered();
  }
  for (const runId of toRead) {
    const run = runs.get(runId);
    if (run) for (const points of Object.values(run.metrics)) sortLikeMlflow(points);
  }
  return { readRunIds: toRead };
}

function changedRuns(tables: TableReader, runs: Map<string, MlflowRun>, fingerprint: StoreFingerprint,
  previous: StoreFingerprint, maxRowid: number | undefined, withNewPoints: Set<string> | undefined): Set<string> {
  const changed = new Set<string>();
  for (const runId of runs.keys()) {
    if (previous.runs[runId] !== fingerprint.runs[runId]) changed.add(runId);
  }
  const since = previous.metricsRowid;
  // A smaller highest rowid means rows were deleted or renumbered (VACUUM): the rowids say
  // nothing then, and the fingerprints (which include each metric's latest point) must do.
  if (since !== undefined && maxRowid !== undefined && maxRowid > since) {
    for (const id of withNewPoints ?? runsWithPointsAbove(tables, since)) if (runs.has(id)) changed.add(id);
  }
  return changed;
}

/** The runs with metric points above rowid `since`: MLflow only ever appends to `metrics`. */
export function runsWithPointsAbove(tables: TableReader, since: number): Set<string> {
  const ids = new Set<string>();
  // NOT INDEXED: the rows above a rowid are a range of the table; with GROUP BY (or DISTINCT)
  // alone SQLite walks the whole run_uuid index instead, a quarter of a large database.
  tables.scan({ table: 'metrics', wanted: [{ sql: 'DISTINCT run_uuid', columns: ['run_uuid'] }], required: ['run_uuid'], tail: 'NOT INDEXED WHERE rowid > ?', params: [since] },
    row => { ids.add(text(row[0]) ?? ''); });
  return ids;
}

/** The highest rowid of `metrics`, undefined when it has none to ask. */
export function highestMetricsRowid(tables: TableReader): number | undefined {
  let max: number | undefined;
  // A table created WITHOUT ROWID (not by MLflow) has none: then fingerprints alone decide.
  if (tables.columns('metrics', true)) {
    try {
      max = num(tables.first('SELECT max(rowid) FROM metrics') ?? null) ?? 0;
    } catch {
      max = undefined;
    }
  }
  return max;
}

export function metricPoint(value: Row[number], timestamp: Row[number], step: Row[number], isNan: Row[number]): MetricPoint {
  return {
    step: typeof step === 'number' ? step : num(step) ?? 0,
    value: isNan === 1 || isNan === '1' ? NaN : typeof value === 'number' ? value : num(value) ?? NaN,
    timestamp: typeof timestamp === 'number' ? timestamp : num(timestamp) ?? 0,
  };
}

/**
 * MLflow's history query returns points by timestamp, then step, then stored value (the order of
 * the table's primary key index, and of the ORDER BY newer versions add); NaN is stored as 0.
 */
function sortLikeMlflow(history: MetricHistory): void {
  for (let i = 1; i < history.length; i++) {
    if (compareValues(history.timestamp(i - 1), history.step(i - 1), history.value(i - 1), history.timestamp(i), history.step(i), history.value(i)) > 0) {
      history.sort(compare);
      return;
    }
  }
}

function compare(a: MetricPoint, b: MetricPoint): number {
  return compareValues(a.timestamp, a.step, a.value, b.timestamp, b.step, b.value);
}

function compareValues(aTimestamp: number, aStep: number, aValue: number, bTimestamp: number, bStep: number, bValue: number): number {
  if (aTimestamp !== bTimestamp) return aTimestamp < bTimestamp ? -1 : 1;
  if (aStep !== bStep) return aStep < bStep ? -1 : 1;
  const av = Number.isNaN(aValue) ? 0 : aValue;
  const bv = Number.isNaN(bValue) ? 0 : bValue;
  if (av !== bv) return av < bv ? -1 : 1;
  return Number(Number.isNaN(aValue)) - Number(Number.isNaN(bValue));
}
