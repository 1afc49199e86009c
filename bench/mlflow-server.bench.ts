/**
 * Following a real tracking server (RUNLENS_BENCH_MLFLOW_URI; without it this benchmark says it
 * skipped): the first sync of an experiment of 10,000 runs (10 params, 5 metrics each, as in
 * mlflow-stores.ts), against the floor of paging `runs/search` over the same runs with no
 * processing; then the catch-up after 100 runs were added, against that first sync.
 *
 * The experiment (BENCH_EXPERIMENT) is filled through MLflow's REST API the first time (minutes)
 * and reused by later runs on the same server; each run adds 100 to it. The Python client's
 * benchmark (`mlflow_server_grid_check_ms`, bench/py_*.py) checks a grid against the same
 * experiment: bench/run.mjs hands it RUNLENS_BENCH_MLFLOW_EXPERIMENT.
 */
import { MlflowRestApi } from '../src/core/mlflowServer/api';
import { MlflowHttp } from '../src/core/mlflowServer/http';
import { syncServer } from '../src/core/mlflowServer/sync';
import { normalizeServerUri } from '../src/core/mlflowServer/uri';
import { applySnapshot } from '../src/core/mlflow/apply';
import { Catalog } from '../src/core/store/catalog';
import { setSqlJsWasmPath } from '../src/core/store/sqljs';
import type { StoreFingerprint } from '../src/core/mlflow/model';
import type { Figure } from './figure';
import { METRIC_KEYS, syntheticRun } from './mlflow-stores';

export const BENCH_EXPERIMENT = 'runlens-bench-10k';
const RUNS = 10_000;
const ADDED = 100;
const WRITERS = 8;

export async function run(ctx: { wasm?: string } = {}): Promise<Record<string, Figure>> {
  const raw = process.env.RUNLENS_BENCH_MLFLOW_URI;
  if (!raw) {
    console.error('  skipped mlflow_server_sync_10k_s and mlflow_server_followup_100_s: set RUNLENS_BENCH_MLFLOW_URI to a tracking server (see docs/store.md)');
    return {};
  }
  if (ctx.wasm) setSqlJsWasmPath(ctx.wasm);
  const uri = normalizeServerUri(raw);
  const api = new MlflowRestApi(new MlflowHttp(uri, { timeoutMs: 120_000 }));
  const experimentId = await ensureExperiment(uri);
  const have = await countRuns(api, experimentId);
  const filled = await seconds(() => addRuns(uri, experimentId, have, Math.max(0, RUNS - have)));
  const total = Math.max(have, RUNS);
  const where = `${total} runs on ${uri}${filled > 1 ? `, ${RUNS - have} of them logged first in ${filled.toFixed(0)} s` : ''}`;

  const pageThrough = () => seconds(async () => {
    for await (const page of api.searchRuns({ experimentIds: [experimentId], viewType: 'ALL', orderBy: ['attributes.start_time DESC'], pageSize: 1000 })) void page;
  });
  // The server answers a search faster the second time (its caches): the floor is the faster of
  // one pass before the sync and one after, so that neither side has the warmer server.
  const floorBefore = await pageThrough();
  const catalog = await Catalog.open();
  let fingerprint: StoreFingerprint | undefined;
  const first = await seconds(async () => {
    const snap = await syncServer(api, { experiments: [BENCH_EXPERIMENT] }, undefined);
    if (snap.runs.length < RUNS) throw new Error(`expected at least ${RUNS} runs, synced ${snap.runs.length}`);
    applySnapshot(catalog, snap);
    fingerprint = snap.fingerprint;
  });

  const floor = Math.min(floorBefore, await pageThrough());
  await addRuns(uri, experimentId, total, ADDED);
  let caughtUp = 0;
  const followUp = await seconds(async () => {
    const snap = await syncServer(api, { experiments: [BENCH_EXPERIMENT] }, fingerprint);
    applySnapshot(catalog, snap);
    caughtUp = snap.runs.length;
  });
  if (caughtUp !== ADDED) throw new Error(`the follow-up found ${caughtUp} new or changed runs, not ${ADDED}`);
  catalog.close();
  return {
    mlflow_server_sync_10k_s: figure(first, 's', floor, `floor: paging runs/search (1,000 a page) with no processing; ${where}`),
    mlflow_server_followup_100_s: figure(followUp, 's', first, `${ADDED} runs added; baseline: the first sync (goal: under 1 s)`),
  };
}

async function call(uri: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${uri}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text || '{}');
}

async function ensureExperiment(uri: string): Promise<string> {
  const res = await fetch(`${uri}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${BENCH_EXPERIMENT}`);
  if (res.ok) return String(((await res.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id);
  return String((await call(uri, 'experiments/create', { name: BENCH_EXPERIMENT })).experiment_id);
}

async function countRuns(api: MlflowRestApi, experimentId: string): Promise<number> {
  let n = 0;
  for await (const page of api.searchRuns({ experimentIds: [experimentId], viewType: 'ALL', pageSize: 1000 })) n += page.length;
  return n;
}

/** Logs runs [from, from + count) as MLflow's client would: create, one log-batch, finish; a few writers at once. */
async function addRuns(uri: string, experimentId: string, from: number, count: number): Promise<void> {
  let next = from;
  const writer = async () => {
    for (let i = next++; i < from + count; i = next++) {
      const r = syntheticRun(i);
      const created = await call(uri, 'runs/create', { experiment_id: experimentId, run_name: r.name, start_time: Date.now(), tags: r.tags.map(([key, value]) => ({ key, value })) });
      const runId = (created.run as { info: { run_id: string } }).info.run_id;
      await call(uri, 'runs/log-batch', {
        run_id: runId,
        params: r.params.map(([key, value]) => ({ key, value })),
        metrics: METRIC_KEYS.map((key, m) => { const [timestamp, value] = r.point(99, m); return { key, value, timestamp, step: 99 }; }),
      });
      await call(uri, 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
}

function figure(value: number, unit: string, baseline: number, note: string): Figure {
  const round = (n: number) => Number(n.toPrecision(4));
  return { value: round(value), unit, baseline: round(baseline), ratio: round(value / baseline), note };
}

async function seconds(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}
