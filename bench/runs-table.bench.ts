/**
 * Opening runs at 100k (issue 5), each figure against the naive way, measured in the same run on
 * the same catalog (what the store worker holds for 100k runs with 8 params and 2 metrics each):
 *   runs_table_first_page_100k_ms  the runs table's first page (100 rows) with its total and its
 *                                  columns, as the worker answers it (src/core/store/runTable.ts);
 *                                  baseline = fetching every run of the experiment and taking the
 *                                  columns and the first page from them
 *   tree_first_page_100k_ms        the RunLens view's first look at an experiment: the experiments,
 *                                  then its newest 200 runs with params and metrics (listRuns), as
 *                                  the view opens (ranked by a metric: in the note); baseline = one
 *                                  query pivoting params and latest metrics into columns with
 *                                  correlated subqueries
 */
import { performance } from 'node:perf_hooks';
import { Catalog } from '../src/core/store/catalog';
import { canonicalParam } from '../src/core/params/canonical';
import { listExperiments, listRuns } from '../src/core/store/queries';
import { RunTable } from '../src/core/store/runTable';
import type { RunSummary } from '../src/core/store/types';
import type { Figure } from './figure';

const RUNS = 100_000;
const PARAMS = ['lr', 'bs', 'optimizer', 'dropout', 'seed', 'layers', 'wd', 'epochs'];

/** 100k runs of one experiment (8 params, accuracy and loss), and 1,000 of another with other keys. */
async function catalog(): Promise<{ c: Catalog; experiment: number }> {
  const c = await Catalog.open();
  const experiment = c.experimentId('bench');
  const other = c.experimentId('other');
  c.transaction(() => {
    const run = c.db.prepare("INSERT INTO runs (id, uid, experiment_id, status, start_time, source) VALUES (?, ?, ?, ?, ?, 'bench')");
    const par = c.db.prepare('INSERT INTO params (run_id, key, value, canon) VALUES (?, ?, ?, ?)');
    const met = c.db.prepare('INSERT INTO metrics (run_id, key, last, last_step, last_time, min, max, count) VALUES (?, ?, ?, 10, 0, 0, 1, 10)');
    for (let i = 1; i <= RUNS + 1000; i++) {
      const mine = i <= RUNS;
      run.run([i, `run${i}`, mine ? experiment : other, i % 17 === 0 ? 'failed' : 'finished', i]);
      const values = [String([1e-4, 3e-4, 1e-3, 3e-3, 1e-2][i % 5]), String(16 << (i % 5)), ['adam', 'sgd', 'adamw'][i % 3], String((i % 6) / 10),
        String(i % 100), String(2 + (i % 4)), String((i % 5) * 1e-4), String(10 * (1 + (i % 3)))];
      PARAMS.forEach((k, j) => par.run([i, mine ? k : `other_${k}`, values[j], canonicalParam(values[j])]));
      met.run([i, mine ? 'accuracy' : 'f1', (i % 1000) / 1000]);
      met.run([i, mine ? 'loss' : 'mse', ((i * 7) % 1000) / 500]);
    }
    run.free(); par.free(); met.free();
  });
  return { c, experiment };
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
}

/** Median of `n` timed calls after one warm-up (statement preparation, first use of the WASM heap). */
function time(n: number, fn: () => unknown): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

const round = (x: number) => Math.round(x * 100) / 100;

function tableFigure(c: Catalog, experiment: number): Figure {
  // A fresh RunTable each time: no ordering cached, as when a table opens.
  const first = (sort?: Parameters<RunTable['page']>[0]['sort']) => () => {
    const page = new RunTable(c).page({ experimentId: experiment, offset: 0, limit: 100, withColumns: true, sort });
    if (page.rows.length !== 100 || page.total !== RUNS || page.columns!.params.length !== 8) throw new Error('wrong first page');
  };
  const ours = time(5, first());
  const byMetric = time(5, first({ kind: 'metric', key: 'accuracy', descending: true }));
  const byParam = time(5, first({ kind: 'param', key: 'lr', descending: false }));
  // Scrolling: the first deep page sorts every id once; the pages after it are slices.
  const table = new RunTable(c);
  const sort = { kind: 'metric' as const, key: 'accuracy', descending: true };
  let t = performance.now();
  table.page({ experimentId: experiment, offset: 50_000, limit: 100, sort });
  const firstDeep = performance.now() - t;
  const nextDeep = time(5, () => table.page({ experimentId: experiment, offset: 70_000 + Math.floor(Math.random() * 20_000), limit: 100, sort }));
  // Baseline: every run of the experiment, then the columns and the first page from them.
  const naive = () => {
    const all: RunSummary[] = listRuns(c, { experimentId: experiment, limit: RUNS * 2 });
    const params = new Set<string>();
    const metrics = new Set<string>();
    for (const r of all) { for (const k in r.params) params.add(k); for (const k in r.metrics) metrics.add(k); }
    return { total: all.length, rows: all.slice(0, 100), params: [...params].sort(), metrics: [...metrics].sort() };
  };
  t = performance.now();
  naive();
  const baseline = performance.now() - t;
  return {
    value: round(ours), unit: 'ms', baseline: round(baseline), ratio: round(baseline / ours),
    note: `first 100 of ${RUNS} runs, newest first, with the total and the 8+2 columns (median of 5); sorted by a metric ${round(byMetric)} ms, by a param ${round(byParam)} ms; ` +
      `scrolling sorted by a metric: first deep page ${round(firstDeep)} ms (sorts all ids once), later pages ${round(nextDeep)} ms; baseline = every run fetched (listRuns) and the columns taken from them`,
  };
}

function treeFigure(c: Catalog, experiment: number): Figure {
  // What the view does for an experiment: list the experiments, then a page of 200 (+1 to know there is more).
  const view = (sort?: { metric: string; descending: boolean }) => () => {
    listExperiments(c);
    if (listRuns(c, { experimentId: experiment, sort, limit: 201 }).length !== 201) throw new Error('wrong page');
  };
  const pivot = (order: string) => () => {
    listExperiments(c);
    const sql = `SELECT r.id, r.uid, r.name, r.status, r.start_time,
      ${PARAMS.map((k) => `(SELECT value FROM params p WHERE p.run_id = r.id AND p.key = '${k}') AS p_${k}`).join(',\n      ')},
      ${['accuracy', 'loss'].map((k) => `(SELECT last FROM metrics m WHERE m.run_id = r.id AND m.key = '${k}') AS m_${k}`).join(',\n      ')}
      FROM runs r WHERE r.experiment_id = ? AND r.deleted = 0 ORDER BY ${order} LIMIT 201`;
    if (c.all(sql, [experiment]).length !== 201) throw new Error('wrong pivot');
  };
  const newest = time(5, view());
  const ranked = time(5, view({ metric: 'accuracy', descending: true }));
  const pivotNewest = time(3, pivot('r.start_time DESC'));
  const pivotRanked = time(3, pivot('m_accuracy DESC'));
  return {
    value: round(newest), unit: 'ms', baseline: round(pivotNewest), ratio: round(pivotNewest / newest),
    note: `the view as it opens: the experiments, then the newest 200 of ${RUNS} runs with their params and metrics (median of 5); ` +
      `ranked by accuracy instead: ${round(ranked)} ms vs ${round(pivotRanked)} ms for the pivot; ` +
      'baseline = the same page from one query pivoting params and metrics into columns with correlated subqueries',
  };
}

export async function run(): Promise<Record<string, Figure>> {
  const t = performance.now();
  const { c, experiment } = await catalog();
  console.error(`  built a catalog of ${RUNS} runs in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  try {
    return { runs_table_first_page_100k_ms: tableFigure(c, experiment), tree_first_page_100k_ms: treeFigure(c, experiment) };
  } finally {
    c.close();
  }
}
