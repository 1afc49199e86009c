/**
 * The live tier (npm run test:live): following a real MLflow tracking server named by
 * RUNLENS_TEST_MLFLOW_URI, changed through MLflow's own REST API between polls. Skipped, and said
 * so, without one. Each run of these tests works in experiments of its own.
 */
import * as assert from 'node:assert/strict';
import { MlflowRestApi } from '../../src/core/mlflowServer/api';
import { MlflowHttp } from '../../src/core/mlflowServer/http';
import { syncServer } from '../../src/core/mlflowServer/sync';
import { ServerHistoryCache } from '../../src/core/mlflowServer/history';
import { WorkspaceStore } from '../../src/core/store/workspaceStore';
import { listExperiments, listRuns } from '../../src/core/store/queries';
import { mlflowCall, seedRun } from '../support/liveMlflow';
import { CollectingReporter, tempWorkspace } from './support/workspace';

const URI = process.env.RUNLENS_TEST_MLFLOW_URI?.replace(/\/+$/, '');

describe('a live MLflow tracking server (RUNLENS_TEST_MLFLOW_URI)', function () {
  this.timeout(300_000);
  const tag = Date.now().toString(36);
  let api: MlflowRestApi;

  before(function () {
    if (!URI) { console.log('    (skipped: RUNLENS_TEST_MLFLOW_URI names no server; npm run test:live)'); this.skip(); }
    api = new MlflowRestApi(new MlflowHttp(URI!, { timeoutMs: 60_000 }));
  });

  it('follows what changes between polls: new runs, a run that finishes, a deletion, a late tag', async () => {
    const experiment = `live-follow-${tag}`;
    const a = await seedRun(URI!, experiment, 'a', { lr: '0.001' }, { acc: 0.5 });
    await seedRun(URI!, experiment, 'b', { lr: '0.01' }, { acc: 0.6 });
    const id = ((await mlflowCall(URI!, 'GET', `experiments/get-by-name?experiment_name=${experiment}`)).experiment as { experiment_id: string }).experiment_id;
    const running = ((await mlflowCall(URI!, 'POST', 'runs/create', { experiment_id: id, run_name: 'running', start_time: Date.now() })).run as { info: { run_id: string } }).info.run_id;
    const first = await syncServer(api, { experiments: [experiment] }, undefined);
    assert.equal(first.runs.length, 3);
    assert.deepEqual(first.fingerprint.server!.running, [running]);

    await new Promise((r) => setTimeout(r, 5));
    await seedRun(URI!, experiment, 'c', { lr: '0.1' }, { acc: 0.7 });
    await mlflowCall(URI!, 'POST', 'runs/update', { run_id: running, status: 'FINISHED', end_time: Date.now() });
    await mlflowCall(URI!, 'POST', 'runs/delete', { run_id: a });
    const second = await syncServer(api, { experiments: [experiment] }, first.fingerprint, { deletedEveryMs: 0 });
    const changed = Object.fromEntries(second.runs.map((r) => [r.name, r]));
    assert.deepEqual(Object.keys(changed).sort(), ['a', 'c', 'running']);
    assert.equal(changed.running.status, 'FINISHED');
    assert.equal(changed.a.lifecycle, 'deleted');
    assert.deepEqual(second.fingerprint.server!.running, []);

    const b = first.runs.find((r) => r.name === 'b')!.runId;
    await mlflowCall(URI!, 'POST', 'runs/set-tag', { run_id: b, key: 'reviewed', value: 'yes' });
    const quiet = await syncServer(api, { experiments: [experiment] }, second.fingerprint);
    assert.deepEqual(quiet.runs, [], 'a late tag shows only in a full pass');
    const full = await syncServer(api, { experiments: [experiment] }, quiet.fingerprint, { full: true });
    assert.deepEqual(full.runs.map((r) => [r.name, r.tags.reviewed]), [['b', 'yes']]);
  });

  it('keeps the runs of an experiment deleted between two polls, and says it is deleted', async () => {
    const experiment = `live-deleted-${tag}`;
    await seedRun(URI!, experiment, 'kept', { lr: '0.5' }, { acc: 0.9 });
    const ws = tempWorkspace();
    const store = await WorkspaceStore.open(ws, { reporter: new CollectingReporter(), followEveryMs: 0, allowedSources: { list: () => [URI!] }, servers: () => ({ where: 'terminal' }) });
    await store.importSource('mlflow-server', URI!, [experiment]);
    const id = ((await mlflowCall(URI!, 'GET', `experiments/get-by-name?experiment_name=${experiment}`)).experiment as { experiment_id: string }).experiment_id;
    await mlflowCall(URI!, 'POST', 'experiments/delete', { experiment_id: id });
    await store.syncSources();
    const e = listExperiments(store.catalog, true).find((x) => x.name === experiment)!;
    assert.equal(e.deleted, true);
    assert.equal(listRuns(store.catalog, { experimentId: e.id, includeDeleted: true }).length, 1);
    assert.equal(store.serverStatuses()[0].state, 'synced');
    await store.close();
  });

  it('reads a run with thousands of params whole', async () => {
    const experiment = `live-params-${tag}`;
    const runId = await seedRun(URI!, experiment, 'wide', {}, {});
    for (let i = 0; i < 3000; i += 100) {
      await mlflowCall(URI!, 'POST', 'runs/log-batch', { run_id: runId, params: Array.from({ length: 100 }, (_, j) => ({ key: `p${String(i + j).padStart(4, '0')}`, value: String(i + j) })) });
    }
    const snap = await syncServer(api, { experiments: [experiment] }, undefined);
    assert.equal(Object.keys(snap.runs[0].params).length, 3000);
  });

  it('charts a long history from a sample the server draws, not from every point', async () => {
    const experiment = `live-history-${tag}`;
    const runId = await seedRun(URI!, experiment, 'long', {}, {});
    const t0 = Date.now();
    for (let s = 0; s < 50_000; s += 1000) {
      await mlflowCall(URI!, 'POST', 'runs/log-batch', { run_id: runId, metrics: Array.from({ length: 1000 }, (_, j) => ({ key: 'loss', value: 1 / (s + j + 1), timestamp: t0 + s + j, step: s + j })) });
    }
    const got = await new ServerHistoryCache().get(api, runId, ['loss']);
    assert.ok(got.loss.length <= 2600, `${got.loss.length} points`);
    assert.equal(got.loss[0].step, 0);
    assert.equal(got.loss.at(-1)!.step, 49_999);
  });
});
